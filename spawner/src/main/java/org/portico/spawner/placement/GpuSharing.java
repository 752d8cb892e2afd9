package org.portico.spawner.placement;

/**
 * How one GPU is divided into seats ("slots"): among a fixed number of sessions, or into slices of a
 * fixed amount of GPU memory. A session asking for a slice takes one slot; one asking for a whole GPU
 * takes every slot of a GPU that nobody else uses.
 */
public sealed interface GpuSharing permits GpuSharing.PerSession, GpuSharing.MemorySlices {

	/**
	 * How many slots a GPU with this much memory has.
	 * @param gpuMemoryMiB the GPU's memory in MiB
	 * @return the number of slots, 0 when the GPU cannot be shared this way
	 */
	int slotsPerGpu(long gpuMemoryMiB);

	/**
	 * The GPU memory that one slot amounts to (for MPS memory limits).
	 * @param gpuMemoryMiB the GPU's memory in MiB
	 * @return MiB per slot, 0 when unknown
	 */
	long slotMemoryMiB(long gpuMemoryMiB);

	/** Each GPU shared by up to {@code n} sessions. */
	static GpuSharing sessions(int n) {
		return new PerSession(n);
	}

	/** Each GPU cut into slices of {@code sliceMiB} of GPU memory. */
	static GpuSharing slicesOf(long sliceMiB) {
		return new MemorySlices(sliceMiB);
	}

	/**
	 * Up to {@code sessionsPerGpu} sessions per GPU, each with an equal part of its memory.
	 * @param sessionsPerGpu at least 1
	 */
	record PerSession(int sessionsPerGpu) implements GpuSharing {

		public PerSession {
			if (sessionsPerGpu < 1) {
				throw new IllegalArgumentException("sessionsPerGpu must be at least 1, not " + sessionsPerGpu);
			}
		}

		@Override
		public int slotsPerGpu(long gpuMemoryMiB) {
			return this.sessionsPerGpu;
		}

		@Override
		public long slotMemoryMiB(long gpuMemoryMiB) {
			return gpuMemoryMiB / this.sessionsPerGpu;
		}
	}

	/**
	 * Slices of {@code sliceMiB} GPU memory: a GPU of M MiB has {@code floor(M / sliceMiB)} slots.
	 * @param sliceMiB at least 1
	 */
	record MemorySlices(long sliceMiB) implements GpuSharing {

		public MemorySlices {
			if (sliceMiB < 1) {
				throw new IllegalArgumentException("sliceMiB must be at least 1, not " + sliceMiB);
			}
		}

		@Override
		public int slotsPerGpu(long gpuMemoryMiB) {
			return (int) Math.min(Integer.MAX_VALUE, gpuMemoryMiB / this.sliceMiB);
		}

		@Override
		public long slotMemoryMiB(long gpuMemoryMiB) {
			return this.sliceMiB;
		}
	}
}
