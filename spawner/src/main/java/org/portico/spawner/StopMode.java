package org.portico.spawner;

/** How {@link Spawner#stop} ends a server. */
public enum StopMode {
	/** Ask the server to exit, and kill it after a grace period. */
	GRACEFUL,
	/** Kill it at once. */
	NOW
}
