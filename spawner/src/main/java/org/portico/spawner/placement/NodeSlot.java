package org.portico.spawner.placement;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * One node of the engine: its capacity after oversubscription and its current {@link NodeLoad}, which
 * only ever changes by compare-and-set.
 */
final class NodeSlot {

	/** The allocation needs no GPU. */
	static final int NO_GPU = -1;

	/** The seat does not fit. */
	static final int NO_FIT = -2;

	final NodeCapacity capacity;

	final int coreCapacity;

	final long memoryCapacityMiB;

	final int slotsPerGpu;

	final long slotMemoryMiB;

	/** The load of this node without any session or hold. */
	final NodeLoad empty;

	private final AtomicReference<NodeLoad> load;

	NodeSlot(NodeCapacity capacity, Oversubscription oversubscription) {
		this.capacity = capacity;
		this.coreCapacity = oversubscription.coreCapacity(capacity);
		this.memoryCapacityMiB = oversubscription.memoryCapacityMiB(capacity);
		this.slotsPerGpu = oversubscription.slotsPerGpu(capacity);
		this.slotMemoryMiB = (capacity.gpus() > 0) ? oversubscription.gpuSharing().slotMemoryMiB(capacity.gpuMemoryMiB())
				: 0;
		this.empty = NodeLoad.empty(capacity.gpus());
		this.load = new AtomicReference<>(this.empty);
	}

	String name() {
		return this.capacity.name();
	}

	NodeLoad load() {
		return this.load.get();
	}

	boolean compareAndSet(NodeLoad expected, NodeLoad next) {
		return this.load.compareAndSet(expected, next);
	}

	/** Applies a change that cannot fail, retrying on contention. */
	NodeLoad update(UnaryOperator<NodeLoad> change) {
		return this.load.updateAndGet(change);
	}

	void reset() {
		this.load.set(this.empty);
	}

	int slotsFor(GpuShare share) {
		switch (share) {
			case NONE:
				return 0;
			case SLICE:
				return 1;
			default:
				return this.slotsPerGpu;
		}
	}

	/**
	 * Whether a seat of this size fits on top of {@code load}, and on which GPU.
	 * @return the GPU index, {@link #NO_GPU} when it fits and needs none, or {@link #NO_FIT}
	 */
	int fit(NodeLoad load, SeatSize size, SeatPolicy policy) {
		if (size.cores() > this.capacity.cores() || load.cores + size.cores() > this.coreCapacity
				|| load.memoryMiB + size.memoryMiB() > this.memoryCapacityMiB) {
			return NO_FIT;
		}
		if (size.gpu() == GpuShare.NONE) {
			return NO_GPU;
		}
		int need = slotsFor(size.gpu());
		int best = NO_FIT;
		int bestUsed = 0;
		for (int gpu = 0; gpu < load.gpus(); gpu++) {
			int used = load.gpuSlots(gpu);
			if (used + need <= this.slotsPerGpu && (best == NO_FIT
					|| ((policy == SeatPolicy.SPREAD) ? used < bestUsed : used > bestUsed))) {
				best = gpu;
				bestUsed = used;
			}
		}
		return best;
	}

	/** How many more seats of this size fit on top of {@code load}. */
	int count(NodeLoad load, SeatSize size) {
		if (size.cores() > this.capacity.cores()) {
			return 0;
		}
		long fits = Math.max(0, (this.coreCapacity - load.cores) / size.cores());
		if (size.memoryMiB() > 0) {
			fits = Math.min(fits, Math.max(0, (this.memoryCapacityMiB - load.memoryMiB) / size.memoryMiB()));
		}
		if (size.gpu() != GpuShare.NONE) {
			int need = slotsFor(size.gpu());
			long byGpu = 0;
			for (int gpu = 0; gpu < load.gpus() && need > 0; gpu++) {
				byGpu += Math.max(0, this.slotsPerGpu - load.gpuSlots(gpu)) / need;
			}
			fits = Math.min(fits, byGpu);
		}
		return (int) fits;
	}

	/**
	 * How loaded the node (and GPU) would look to the policy: the GPU's share of taken slots first, then
	 * the node's share of taken cores, then of memory.
	 */
	double score(NodeLoad load, int gpu) {
		double cores = (double) load.cores / this.coreCapacity;
		double memory = (this.memoryCapacityMiB > 0) ? (double) load.memoryMiB / this.memoryCapacityMiB : 0;
		if (gpu >= 0) {
			return (double) load.gpuSlots(gpu) / this.slotsPerGpu + 1e-3 * cores + 1e-6 * memory;
		}
		return cores + 1e-3 * memory;
	}

	/** Whether the load promises more than the node may give (only after a rebuild from a changed pool). */
	boolean overCommitted(NodeLoad load) {
		if (load.cores > this.coreCapacity || load.memoryMiB > this.memoryCapacityMiB) {
			return true;
		}
		for (int gpu = 0; gpu < load.gpus(); gpu++) {
			if (load.gpuSlots(gpu) > this.slotsPerGpu) {
				return true;
			}
		}
		return false;
	}
}
