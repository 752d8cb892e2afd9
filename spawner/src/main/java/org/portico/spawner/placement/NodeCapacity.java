package org.portico.spawner.placement;

import java.util.Objects;

/**
 * What one node of the pool physically has. GPUs of one node are taken to be of one model, as they are
 * on HPC nodes.
 *
 * @param name the scheduler's node name (what {@code --nodelist} takes)
 * @param cores physical cores (or the CPUs the scheduler counts), at least 1
 * @param memoryMiB main memory in MiB
 * @param swapMiB swap in MiB that may back oversubscribed memory
 * @param gpus number of GPUs
 * @param gpuMemoryMiB memory of each GPU in MiB ({@code 0} when there are no GPUs or it is unknown)
 */
public record NodeCapacity(String name, int cores, long memoryMiB, long swapMiB, int gpus, long gpuMemoryMiB) {

	public NodeCapacity {
		Objects.requireNonNull(name, "name");
		if (name.isBlank() || !name.equals(name.strip())) {
			throw new IllegalArgumentException("node name must be non-blank without surrounding spaces: '" + name + "'");
		}
		if (cores < 1) {
			throw new IllegalArgumentException("node " + name + ": cores must be at least 1, not " + cores);
		}
		if (memoryMiB < 0 || swapMiB < 0 || gpuMemoryMiB < 0) {
			throw new IllegalArgumentException("node " + name + ": memory, swap and GPU memory must not be negative");
		}
		if (gpus < 0) {
			throw new IllegalArgumentException("node " + name + ": gpus must not be negative");
		}
	}

	/** A node without GPUs. */
	public static NodeCapacity cpuOnly(String name, int cores, long memoryMiB, long swapMiB) {
		return new NodeCapacity(name, cores, memoryMiB, swapMiB, 0, 0);
	}
}
