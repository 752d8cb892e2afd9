package org.portico.spawner.placement;

/**
 * What one session or held seat takes on a node.
 *
 * @param cores cores
 * @param memoryMiB memory in MiB
 * @param gpu the GPU index, or {@link NodeSlot#NO_GPU}
 * @param gpuSlots slots on that GPU
 */
record Allocation(int cores, long memoryMiB, int gpu, int gpuSlots) {

	static Allocation of(Seat seat) {
		return new Allocation(seat.cores(), seat.memoryMiB(), (seat.gpu() != null) ? seat.gpu() : NodeSlot.NO_GPU,
				seat.gpuSlots());
	}
}
