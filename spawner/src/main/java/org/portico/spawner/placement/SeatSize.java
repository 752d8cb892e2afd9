package org.portico.spawner.placement;

import java.util.Objects;

/**
 * The size of one seat: what a session (or a reserved seat) takes on a node.
 *
 * @param cores cores, at least 1
 * @param memoryMiB memory in MiB, at least 0
 * @param gpu the GPU share
 */
public record SeatSize(int cores, long memoryMiB, GpuShare gpu) {

	public SeatSize {
		if (cores < 1) {
			throw new IllegalArgumentException("cores must be at least 1, not " + cores);
		}
		if (memoryMiB < 0) {
			throw new IllegalArgumentException("memoryMiB must not be negative");
		}
		Objects.requireNonNull(gpu, "gpu");
	}

	/** Whether a session of this size fits into a seat of size {@code other}. */
	boolean fitsWithin(SeatSize other) {
		return this.cores <= other.cores && this.memoryMiB <= other.memoryMiB
				&& this.gpu.ordinal() <= other.gpu.ordinal();
	}
}
