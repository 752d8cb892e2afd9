package org.portico.spawner.batch;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Settings of a {@link BatchSpawner}.
 *
 * @param callbackBase the gateway's callback URL; each spawn's URL is this plus {@code /KEY}
 * @param jobNamePrefix the tag that begins every Portico job's name (and that {@link SchedulerView} filters on)
 * @param queueTimeout how long a job may wait in the queue before it is cancelled
 * @param immediateTimeout the queue timeout of an "immediate" job where the scheduler cannot refuse it at
 * submission (Slurm's sbatch and PBS have no such option)
 * @param stopTimeout how long {@code stop} waits for the scheduler to show the job ended
 * @param outputTailLines how many last lines of the job's output a failure shows
 * @param secretsInFile whether the callback secret and the server's environment go to the job in a 0600 file
 * beside the output file, written as the user (needs that directory on a file system the gateway host and
 * the nodes share, as the output file already does), rather than inside the job script. Keep it on unless
 * the scheduler keeps job scripts private: Grid Engine 8.1.9's execd stores them world-readable.
 * @param timer where timeouts are timed ({@code Schedulers.parallel()}, or virtual time in tests)
 * @param timeLimitPrefix the argument list before the command that changes a job's time limit
 * ({@link BatchScheduler#timeLimit}), e.g. {@code [sudo, -n, -u, slurm, --]}: Slurm and PBS let only operators
 * raise a limit, so it runs as one, never as the job's owner; empty: as the gateway's own user
 */
public record BatchSpawnerSettings(URI callbackBase, String jobNamePrefix, Duration queueTimeout,
		Duration immediateTimeout, Duration stopTimeout, int outputTailLines, boolean secretsInFile, Scheduler timer,
		List<String> timeLimitPrefix) {

	public BatchSpawnerSettings {
		Objects.requireNonNull(callbackBase, "callbackBase");
		Objects.requireNonNull(jobNamePrefix, "jobNamePrefix");
		if (!JobSpec.JOB_NAME.matcher(jobNamePrefix).matches()) {
			throw new IllegalArgumentException("jobNamePrefix must be a valid job name");
		}
		Objects.requireNonNull(queueTimeout, "queueTimeout");
		Objects.requireNonNull(immediateTimeout, "immediateTimeout");
		Objects.requireNonNull(stopTimeout, "stopTimeout");
		Objects.requireNonNull(timer, "timer");
		timeLimitPrefix = List.copyOf(timeLimitPrefix);
	}

	/** Settings whose time-limit changes run as the gateway's own user. */
	public BatchSpawnerSettings(URI callbackBase, String jobNamePrefix, Duration queueTimeout, Duration immediateTimeout,
			Duration stopTimeout, int outputTailLines, boolean secretsInFile, Scheduler timer) {
		this(callbackBase, jobNamePrefix, queueTimeout, immediateTimeout, stopTimeout, outputTailLines, secretsInFile, timer,
				List.of());
	}

	/**
	 * Prefix {@code portico}, 1 h in the queue, 60 s for "immediate", 60 s to stop, 20 lines of output, secrets
	 * in a file.
	 */
	public static BatchSpawnerSettings defaults(URI callbackBase) {
		return new BatchSpawnerSettings(callbackBase, "portico", Duration.ofHours(1), Duration.ofSeconds(60),
				Duration.ofSeconds(60), 20, true, Schedulers.parallel());
	}

	/** These settings with another queue timeout. */
	public BatchSpawnerSettings withQueueTimeout(Duration queueTimeout) {
		return new BatchSpawnerSettings(this.callbackBase, this.jobNamePrefix, queueTimeout, this.immediateTimeout,
				this.stopTimeout, this.outputTailLines, this.secretsInFile, this.timer, this.timeLimitPrefix);
	}

	/** These settings with time-limit changes run through {@code prefix}. */
	public BatchSpawnerSettings withTimeLimitPrefix(List<String> prefix) {
		return new BatchSpawnerSettings(this.callbackBase, this.jobNamePrefix, this.queueTimeout, this.immediateTimeout,
				this.stopTimeout, this.outputTailLines, this.secretsInFile, this.timer, prefix);
	}

	/** These settings timed on {@code timer}. */
	public BatchSpawnerSettings withTimer(Scheduler timer) {
		return new BatchSpawnerSettings(this.callbackBase, this.jobNamePrefix, this.queueTimeout, this.immediateTimeout,
				this.stopTimeout, this.outputTailLines, this.secretsInFile, timer, this.timeLimitPrefix);
	}
}
