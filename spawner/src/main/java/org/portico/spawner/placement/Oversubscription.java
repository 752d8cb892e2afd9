package org.portico.spawner.placement;

import java.util.Objects;

/**
 * How far each resource of a node may be promised beyond what it has.
 *
 * <ul>
 * <li>Cores: a node of C cores holds sessions of at most {@code floor(C × cpuFactor)} cores in total;
 * no single session gets more than C.</li>
 * <li>Memory: a node of M MiB main memory and S MiB swap holds sessions of at most
 * {@code min(floor(M × memoryFactor), M + S)} MiB in total: memory is stretched only as far as swap
 * backs it, so a factor of 1.5 on a node without swap promises no more than M.</li>
 * <li>GPUs: each GPU has the slots {@link GpuSharing} gives it.</li>
 * </ul>
 *
 * @param cpuFactor at least 1
 * @param memoryFactor at least 1
 * @param gpuSharing how a GPU is divided
 */
public record Oversubscription(double cpuFactor, double memoryFactor, GpuSharing gpuSharing) {

	/** Nothing shared: one session per core, memory as it is, one session per GPU. */
	public static final Oversubscription NONE = new Oversubscription(1, 1, GpuSharing.sessions(1));

	public Oversubscription {
		if (!(cpuFactor >= 1 && cpuFactor <= 1024)) {
			throw new IllegalArgumentException("cpuFactor must be between 1 and 1024, not " + cpuFactor);
		}
		if (!(memoryFactor >= 1 && memoryFactor <= 1024)) {
			throw new IllegalArgumentException("memoryFactor must be between 1 and 1024, not " + memoryFactor);
		}
		Objects.requireNonNull(gpuSharing, "gpuSharing");
	}

	/** The cores a node may promise in total. */
	public int coreCapacity(NodeCapacity node) {
		return (int) Math.min(Integer.MAX_VALUE, (long) Math.floor(node.cores() * this.cpuFactor));
	}

	/** The memory in MiB a node may promise in total. */
	public long memoryCapacityMiB(NodeCapacity node) {
		long stretched = (long) Math.floor(node.memoryMiB() * this.memoryFactor);
		return Math.min(stretched, node.memoryMiB() + node.swapMiB());
	}

	/** The slots of each GPU of a node ({@code 0} without GPUs). */
	public int slotsPerGpu(NodeCapacity node) {
		return (node.gpus() == 0) ? 0 : this.gpuSharing.slotsPerGpu(node.gpuMemoryMiB());
	}
}
