package org.portico.spawner.placement;

/** Why a session was refused: a short label for metrics and tests; the words are in the message. */
public enum RefusalReason {

	/** No free seat of the asked size is left in the pool. */
	FULL,

	/** Free seats exist, but every one that fits is held for a reservation the user is not part of. */
	RESERVED_FOR_OTHERS,

	/** The pool is full, and the user's own class reservation has not begun. */
	RESERVATION_NOT_STARTED,

	/** The user already holds as many sessions as allowed. */
	SESSION_LIMIT,

	/** The session would take the user beyond their core limit. */
	CORE_LIMIT,

	/** The asked run time is longer than allowed. */
	WALLTIME_LIMIT,

	/** No node of the pool could hold the session even when empty. */
	TOO_LARGE,

	/** A session with this id is being started right now. */
	DUPLICATE,

	/**
	 * Every node that could hold the session takes no new sessions now: the scheduler reports it down,
	 * drained, disabled or gone (sessions already on it keep running).
	 */
	CLOSED
}
