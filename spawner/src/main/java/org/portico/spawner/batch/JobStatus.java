package org.portico.spawner.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One job as a scheduler listed it.
 *
 * @param jobId the scheduler's job id
 * @param state where it stands
 * @param name the job name
 * @param user the owner
 * @param node where its batch script runs (Slurm's batch host, the first host of PBS's {@code exec_host},
 * SGE's queue instance host)
 * @param reason why it waits, or how it ended, in the scheduler's own words
 * @param partition its partition or queue
 * @param priority a number that orders pending jobs of one partition (larger first), 0 when unknown
 * @param submitTime when it was submitted
 * @param startTime when it started
 * @param estimatedStart when the scheduler expects it to start, where it says
 * @param timeLimit its walltime limit, {@code null} when unlimited or unknown
 * @param timeRemaining how much of the limit is left
 * @param exitCode its exit status once ended ({@code 128 + signal} for a signal)
 * @param queuePosition its place among the pending jobs of its partition, from 1, computed by the
 * {@link SchedulerView}
 * @param queueLength how many jobs are pending in its partition
 */
public record JobStatus(String jobId, JobState state, @Nullable String name, @Nullable String user, @Nullable String node,
		@Nullable String reason, @Nullable String partition, long priority, @Nullable Instant submitTime,
		@Nullable Instant startTime, @Nullable Instant estimatedStart, @Nullable Duration timeLimit,
		@Nullable Duration timeRemaining, @Nullable Integer exitCode, @Nullable Integer queuePosition,
		@Nullable Integer queueLength) {

	public JobStatus {
		Objects.requireNonNull(jobId, "jobId");
		Objects.requireNonNull(state, "state");
	}

	/** A status that carries only a state and a reason (for UNKNOWN and GONE). */
	public static JobStatus of(String jobId, JobState state, @Nullable String reason) {
		return new Builder(jobId, state).reason(reason).build();
	}

	/** This status with its place in the queue. */
	public JobStatus withQueuePosition(int position, int length) {
		return new JobStatus(this.jobId, this.state, this.name, this.user, this.node, this.reason, this.partition,
				this.priority, this.submitTime, this.startTime, this.estimatedStart, this.timeLimit, this.timeRemaining,
				this.exitCode, position, length);
	}

	/** A builder, for parsers that learn the fields one at a time. */
	public static Builder builder(String jobId, JobState state) {
		return new Builder(jobId, state);
	}

	/** Collects a {@link JobStatus} field by field. Not thread-safe. */
	public static final class Builder {

		private final String jobId;

		private JobState state;

		private @Nullable String name;

		private @Nullable String user;

		private @Nullable String node;

		private @Nullable String reason;

		private @Nullable String partition;

		private long priority;

		private @Nullable Instant submitTime;

		private @Nullable Instant startTime;

		private @Nullable Instant estimatedStart;

		private @Nullable Duration timeLimit;

		private @Nullable Duration timeRemaining;

		private @Nullable Integer exitCode;

		Builder(String jobId, JobState state) {
			this.jobId = jobId;
			this.state = state;
		}

		public Builder state(JobState state) {
			this.state = state;
			return this;
		}

		public Builder name(@Nullable String name) {
			this.name = name;
			return this;
		}

		public Builder user(@Nullable String user) {
			this.user = user;
			return this;
		}

		public Builder node(@Nullable String node) {
			this.node = node;
			return this;
		}

		public Builder reason(@Nullable String reason) {
			this.reason = reason;
			return this;
		}

		public Builder partition(@Nullable String partition) {
			this.partition = partition;
			return this;
		}

		public Builder priority(long priority) {
			this.priority = priority;
			return this;
		}

		public Builder submitTime(@Nullable Instant submitTime) {
			this.submitTime = submitTime;
			return this;
		}

		public Builder startTime(@Nullable Instant startTime) {
			this.startTime = startTime;
			return this;
		}

		public Builder estimatedStart(@Nullable Instant estimatedStart) {
			this.estimatedStart = estimatedStart;
			return this;
		}

		public Builder timeLimit(@Nullable Duration timeLimit) {
			this.timeLimit = timeLimit;
			return this;
		}

		public Builder timeRemaining(@Nullable Duration timeRemaining) {
			this.timeRemaining = timeRemaining;
			return this;
		}

		public Builder exitCode(@Nullable Integer exitCode) {
			this.exitCode = exitCode;
			return this;
		}

		public JobStatus build() {
			return new JobStatus(this.jobId, this.state, this.name, this.user, this.node, this.reason, this.partition,
					this.priority, this.submitTime, this.startTime, this.estimatedStart, this.timeLimit,
					this.timeRemaining, this.exitCode, null, null);
		}
	}
}
