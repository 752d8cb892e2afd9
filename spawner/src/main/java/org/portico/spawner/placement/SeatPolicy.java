package org.portico.spawner.placement;

/** Where among the seats that fit a session goes. */
public enum SeatPolicy {

	/**
	 * The least-loaded GPU (for GPU sessions), then the least-loaded node: one busy user then slows the
	 * fewest others. The default.
	 */
	SPREAD,

	/** The most-loaded GPU and node that still fit: keeps whole nodes and GPUs free for big sessions. */
	PACK
}
