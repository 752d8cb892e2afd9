package org.portico.gateway.store;

/** Where a server stands in its lifecycle, as recorded in the database. */
public enum ServerPhase {
	/** Requested and launching; not yet answering. */
	PENDING,
	/** Answering, with a route. */
	RUNNING,
	/** Being stopped. */
	STOPPING,
	/** Stopped by request, by culling, or found gone. */
	STOPPED,
	/** Its start failed. */
	FAILED;

	/** Whether a server in this phase occupies its slot (a new start must wait for it to end). */
	public boolean active() {
		return this == PENDING || this == RUNNING || this == STOPPING;
	}
}
