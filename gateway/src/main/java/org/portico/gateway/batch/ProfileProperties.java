package org.portico.gateway.batch;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The site's profiles ({@code portico.profiles.NAME.*}): what a user may choose on the spawn form for a batch
 * job. Documented in docs/schedulers.md.
 *
 * @param profiles by name
 * @param defaultProfile the profile a start that names none uses; {@code null}: such a start uses
 * {@code portico.spawn.spawner} without options
 */
@Validated
@ConfigurationProperties("portico")
public record ProfileProperties(@DefaultValue Map<String, @Valid Profile> profiles, @Nullable String defaultProfile) {

	public ProfileProperties {
		profiles = Map.copyOf(profiles);
	}

	/**
	 * One profile: a resource type on one scheduler.
	 * @param displayName what the form shows
	 * @param description a line under it
	 * @param scheduler the spawner that runs it ({@code slurm}, {@code sge}, {@code pbs})
	 * @param queue the partition or queue ({@code null}: the scheduler's default)
	 * @param queues other queues a user may pick instead (empty: {@code queue} only)
	 * @param account the account or project ({@code null}: none)
	 * @param cores CPU cores
	 * @param memory memory, in MiB or with an M/G/T suffix ({@code null}: the scheduler's default)
	 * @param gpus GPUs
	 * @param gres a generic-resource request instead of {@code gpus} (Slurm syntax, e.g. {@code shard:1})
	 * @param defaultHours the walltime when the user gives none
	 * @param maxHours the longest walltime a user may ask for
	 * @param immediate whether the job starts now or gives up, by default
	 * @param userChoosesImmediate whether the user may change {@code immediate}
	 * @param pool the placement pool ({@code portico.placement.pools.NAME}) that seats this profile's sessions
	 * before they are submitted; {@code null}: none
	 * @param cull this profile's culling policy where it differs from {@code portico.cull.*}; {@code null}: the
	 * global policy
	 */
	public record Profile(@Nullable String displayName, @Nullable String description, @NotBlank String scheduler,
			@Nullable String queue, @DefaultValue List<String> queues, @Nullable String account, @DefaultValue("1") int cores,
			@Nullable String memory, @DefaultValue("0") int gpus, @Nullable String gres, @DefaultValue("1") double defaultHours,
			@DefaultValue("24") double maxHours, @DefaultValue("false") boolean immediate,
			@DefaultValue("true") boolean userChoosesImmediate, @Nullable String pool, @Nullable CullOverrides cull) {

		public Profile {
			queues = List.copyOf(queues);
		}
	}

	/**
	 * A profile's overrides of the global culling policy ({@code portico.profiles.NAME.cull.*}); each
	 * {@code null} keeps the global value ({@code portico.cull.*} of the same name).
	 *
	 * @param idleTimeout how long without a human action a server may stay; zero disables idle culling
	 * @param maxAge the longest a server may run whatever it does; zero: no limit
	 * @param busyCountsAsActivity whether a busy kernel or an active terminal keeps a server
	 * @param warnBefore how long before its walltime ends the owner is warned
	 * @param maxKeep how far ahead the owner may pin a server against idle culling
	 */
	public record CullOverrides(@Nullable Duration idleTimeout, @Nullable Duration maxAge, @Nullable Boolean busyCountsAsActivity,
			@Nullable Duration warnBefore, @Nullable Duration maxKeep) {
	}
}
