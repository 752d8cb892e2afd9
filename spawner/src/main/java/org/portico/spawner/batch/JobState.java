package org.portico.spawner.batch;

/**
 * Where a batch job stands, scheduler-neutral.
 *
 * <p>{@link #UNKNOWN} is transient (the scheduler did not answer, or has not listed a fresh job yet) and must
 * never be acted on as if the job were gone; {@link #GONE} means a complete, successful query no longer lists
 * the job and nothing more is known of how it ended.
 */
public enum JobState {

	/** Waiting in the queue (held, waiting for resources, priority, ...). */
	PENDING,
	/** Running (or suspended) on a node. */
	RUNNING,
	/** Ended with exit status 0. */
	COMPLETED,
	/** Ended with a non-zero status, a signal, a time limit or a node failure. */
	FAILED,
	/** Cancelled by a user or an administrator. */
	CANCELLED,
	/** Could not be found out this time: transient. */
	UNKNOWN,
	/** No longer listed by the scheduler, with no record of how it ended. */
	GONE;

	/** Whether the job has ended for good (its server is not running and never will). */
	public boolean isTerminal() {
		return this == COMPLETED || this == FAILED || this == CANCELLED || this == GONE;
	}
}
