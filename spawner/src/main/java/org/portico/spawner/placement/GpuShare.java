package org.portico.spawner.placement;

/** The part of a GPU a session asks for. */
public enum GpuShare {

	/** No GPU. */
	NONE,

	/** One slot of a shared GPU (see {@link GpuSharing}). */
	SLICE,

	/** A whole GPU that no other session uses. */
	WHOLE
}
