package org.portico.spawner.placement;

/**
 * What schedulers do not report about a node, from configuration: Slurm and PBS report neither swap nor
 * GPU memory, Grid Engine no GPU memory.
 *
 * @param swapMiB swap per node in MiB, where the scheduler does not say
 * @param gpuMemoryMiB memory of each GPU in MiB
 */
public record CapacityDefaults(long swapMiB, long gpuMemoryMiB) {

	/** No swap, GPU memory unknown. */
	public static final CapacityDefaults NONE = new CapacityDefaults(0, 0);

	public CapacityDefaults {
		if (swapMiB < 0 || gpuMemoryMiB < 0) {
			throw new IllegalArgumentException("swap and GPU memory must not be negative");
		}
	}

	NodeCapacity node(String name, int cores, long memoryMiB, long swapMiB, int gpus) {
		return new NodeCapacity(name, cores, memoryMiB, swapMiB, gpus, (gpus > 0) ? this.gpuMemoryMiB : 0);
	}
}
