package org.portico.gateway.batch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;
import org.portico.spawner.exec.CommandPrefix;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Batch schedulers ({@code portico.batch.*}); every scheduler is disabled by default. Documented in
 * docs/schedulers.md.
 *
 * @param callbackBase the URL jobs report to; {@code null}: {@code http://127.0.0.1:PORT/hub/api/batch/callback}
 * on the gateway's own port, which only works when the nodes can reach the gateway there (a one-machine
 * cluster); set it to a URL the compute nodes can reach
 * @param allowedHosts a regular expression every host a job reports must match (the node the scheduler
 * runs the job on must also be the one it reports)
 * @param runtimeDir where the gateway copies the files jobs load at run time (Portico's Jupyter login
 * handler), readable by every user: directories 0755, files 0644. Must be outside the private data
 * directory (mode 0700) and, on a real cluster, on a file system the nodes share. {@code null}: the data
 * directory's sibling {@code NAME-runtime}
 * @param home the users' home directory, where jobs start; {@code {user}} is replaced by the user name
 * @param logDir the job's output folder, relative to {@code home} (created by the user's own commands)
 * @param python the Python 3 on the nodes that job scripts use for the port probe and the callback
 * @param maxCallbackFailures wrong secrets per callback key before the key is locked
 * @param slurm Slurm
 * @param sge Grid Engine
 * @param pbs PBS Pro
 */
@Validated
@ConfigurationProperties("portico.batch")
public record BatchProperties(@Nullable URI callbackBase, @NotBlank @DefaultValue("[A-Za-z0-9][A-Za-z0-9.-]{0,62}") String allowedHosts,
		@Nullable Path runtimeDir, @NotBlank @DefaultValue("/home/{user}") String home,
		@NotBlank @DefaultValue(".portico/logs") String logDir, @NotBlank @DefaultValue("python3") String python,
		@DefaultValue("5") int maxCallbackFailures, @Valid @DefaultValue Scheduler slurm, @Valid @DefaultValue Scheduler sge,
		@Valid @DefaultValue Scheduler pbs) {

	/**
	 * One scheduler.
	 * @param enabled whether the gateway offers it (a spawner named {@code slurm}, {@code sge} or {@code pbs})
	 * @param binDir where its commands are ({@code null}: found on the gateway's PATH)
	 * @param environment variables its commands need ({@code SGE_ROOT}, {@code SGE_CELL}, {@code SLURM_CONF})
	 * @param commandPrefix how the gateway runs a command as the user: {@code runuser} (the gateway runs as
	 * root) or {@code sudo} ({@code sudo -n -u USER --}, with a sudoers rule)
	 * @param queryInterval the time between two status queries of all of Portico's jobs
	 * @param queryJitter the largest random delay added to each query
	 * @param queryTimeout how long one status query may take
	 * @param commandTimeout how long any other scheduler command may take
	 * @param jobNamePrefix the tag at the start of every job name Portico submits
	 * @param queueTimeout how long a job may wait in the queue
	 * @param immediateTimeout how long a "start now or give up" job may wait where the scheduler cannot refuse
	 * it at submission
	 * @param stopTimeout how long a stop waits for the scheduler to show the job ended
	 * @param templateDir a directory whose templates ({@code batch/slurm.sh.ftl}, ...) replace the built-in ones
	 * @param secretsInFile whether the job's secrets go in a 0600 file written as the user beside the output
	 * file (keep on where the scheduler stores job scripts world-readable, as Grid Engine does)
	 * @param timeLimitPrefix the argument list the gateway puts before the command that lengthens a job when a
	 * user extends a server ({@code scontrol update ... TimeLimit=}, {@code qalter}), e.g.
	 * {@code sudo,-n,-u,slurm,--}: only an operator or admin may raise a time limit, so it never runs as the
	 * user; empty: as the gateway's own user (root or SlurmUser at many sites)
	 */
	public record Scheduler(@DefaultValue("false") boolean enabled, @Nullable String binDir,
			@DefaultValue Map<String, String> environment, @NotBlank @DefaultValue("runuser") String commandPrefix,
			@NotNull @DefaultValue("10s") Duration queryInterval, @NotNull @DefaultValue("2s") Duration queryJitter,
			@NotNull @DefaultValue("20s") Duration queryTimeout, @NotNull @DefaultValue("30s") Duration commandTimeout,
			@NotBlank @DefaultValue("portico") String jobNamePrefix, @NotNull @DefaultValue("1h") Duration queueTimeout,
			@NotNull @DefaultValue("60s") Duration immediateTimeout, @NotNull @DefaultValue("60s") Duration stopTimeout,
			@Nullable Path templateDir,
			@DefaultValue("true") boolean secretsInFile, @DefaultValue List<String> timeLimitPrefix) {

		public Scheduler {
			environment = Map.copyOf(environment);
			timeLimitPrefix = List.copyOf(timeLimitPrefix);
		}

		/** How the gateway runs a command as the user, from {@link #commandPrefix()}. */
		public CommandPrefix userPrefix() {
			return switch (this.commandPrefix) {
				case "runuser" -> CommandPrefix.runuser();
				case "sudo" -> CommandPrefix.sudo();
				default -> throw new IllegalStateException("a batch scheduler's command-prefix must be runuser or sudo, not " + this.commandPrefix);
			};
		}
	}
}
