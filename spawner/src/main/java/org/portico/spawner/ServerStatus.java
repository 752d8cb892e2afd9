package org.portico.spawner;

import org.jspecify.annotations.Nullable;

/**
 * The answer to {@link Spawner#poll}: where a server stands, as far as its spawner can tell.
 */
public sealed interface ServerStatus permits ServerStatus.Pending, ServerStatus.Running, ServerStatus.Unknown, ServerStatus.Gone {

	/** Waiting to run (for example queued in a scheduler). */
	record Pending(String reason) implements ServerStatus {
	}

	/** Running; the endpoint is known when the server has reported it. */
	record Running(@Nullable ServerEndpoint endpoint) implements ServerStatus {
	}

	/** The spawner could not find out (a scheduler timed out). Transient: never act on it as if gone. */
	record Unknown(String reason) implements ServerStatus {
	}

	/**
	 * No longer running.
	 * @param exitCode the exit status where known
	 * @param reason what the spawner knows of why, in words a user can read
	 */
	record Gone(@Nullable Integer exitCode, String reason) implements ServerStatus {
	}
}
