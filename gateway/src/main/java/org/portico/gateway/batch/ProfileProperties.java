package org.portico.gateway.batch;

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
	 */
	public record Profile(@Nullable String displayName, @Nullable String description, @NotBlank String scheduler,
			@Nullable String queue, @DefaultValue List<String> queues, @Nullable String account, @DefaultValue("1") int cores,
			@Nullable String memory, @DefaultValue("0") int gpus, @Nullable String gres, @DefaultValue("1") double defaultHours,
			@DefaultValue("24") double maxHours, @DefaultValue("false") boolean immediate,
			@DefaultValue("true") boolean userChoosesImmediate, @Nullable String pool) {

		public Profile {
			queues = List.copyOf(queues);
		}
	}
}
