package org.portico.spawner.placement;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * One node of the engine: its capacity after oversubscription, whether it takes new seats, and its current
 * {@link NodeLoad}, which only ever changes by compare-and-set.
 *
 * <p>When the scheduler reports the node anew with another capacity or state, the engine replaces the slot
 * by a {@linkplain #successor successor} that shares the same load reference (running sessions keep their
 * seats and are released on it) and {@linkplain #retire retires} this one: from then on this slot's
 * {@link #compareAndSet} fails, so a placement that judged the fit against the old capacity scans again
 * and sees the successor.
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

	/** Whether new seats (and held seats) may go on this node; a closed node keeps its running sessions. */
	final boolean open;

	/** {@code open}, or the scheduler's word for the state of a closed node, as reported (for refusals and logs). */
	final String state;

	/** The load of this node without any session or hold. */
	final NodeLoad empty;

	private final AtomicReference<NodeLoad> load;

	private volatile boolean retired;

	NodeSlot(NodeCapacity capacity, Oversubscription oversubscription) {
		this(capacity, oversubscription, true, "open", null);
	}

	private NodeSlot(NodeCapacity capacity, Oversubscription oversubscription, boolean open, String state,
			@Nullable AtomicReference<NodeLoad> shared) {
		this.capacity = capacity;
		this.open = open;
		this.state = state;
		this.coreCapacity = oversubscription.coreCapacity(capacity);
		this.memoryCapacityMiB = oversubscription.memoryCapacityMiB(capacity);
		this.slotsPerGpu = oversubscription.slotsPerGpu(capacity);
		this.slotMemoryMiB = (capacity.gpus() > 0) ? oversubscription.gpuSharing().slotMemoryMiB(capacity.gpuMemoryMiB())
				: 0;
		this.empty = NodeLoad.empty(capacity.gpus());
		this.load = (shared != null) ? shared : new AtomicReference<>(this.empty);
	}

	/** A fresh slot for a node the scheduler reports for the first time. */
	static NodeSlot reported(NodeCapacity capacity, Oversubscription oversubscription, boolean open, String state) {
		return new NodeSlot(capacity, oversubscription, open, state, null);
	}

	/**
	 * The slot that replaces this one for the same node with a new capacity or state: it shares this slot's
	 * load, widened to the new GPU count if the node gained GPUs (a GPU that went away keeps its sessions'
	 * slots until they are released, but takes no new seat).
	 */
	NodeSlot successor(NodeCapacity capacity, Oversubscription oversubscription, boolean open, String state) {
		this.load.updateAndGet((current) -> current.withGpus(capacity.gpus()));
		return new NodeSlot(capacity, oversubscription, open, state, this.load);
	}

	/**
	 * Ends this slot's part in placements, once its successor is published: every later
	 * {@link #compareAndSet} on it fails, and a load read before is replaced by an equal copy so that a
	 * compare-and-set prepared on it fails too.
	 */
	void retire() {
		this.retired = true;
		this.load.updateAndGet(NodeLoad::copy);
	}

	String name() {
		return this.capacity.name();
	}

	NodeLoad load() {
		return this.load.get();
	}

	/**
	 * Installs a load judged against this slot's capacity; fails when the load changed meanwhile or the slot
	 * was retired (the caller scans again).
	 */
	boolean compareAndSet(NodeLoad expected, NodeLoad next) {
		// retired is read after the caller read the load: a load read after retire() sees retired = true,
		// one read before was replaced by retire()'s copy, so the compare-and-set below fails.
		return !this.retired && this.load.compareAndSet(expected, next);
	}

	/** Installs a load that only gives seats or holds back, which is right whatever the capacity; fails only on contention. */
	boolean compareAndSetShrinking(NodeLoad expected, NodeLoad next) {
		return this.load.compareAndSet(expected, next);
	}

	/** How many GPUs new seats may use: the node's, even where the load still counts a GPU that went away. */
	private int usableGpus(NodeLoad load) {
		return Math.min(load.gpus(), this.capacity.gpus());
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
		if (!this.open || size.cores() > this.capacity.cores() || load.cores + size.cores() > this.coreCapacity
				|| load.memoryMiB + size.memoryMiB() > this.memoryCapacityMiB) {
			return NO_FIT;
		}
		if (size.gpu() == GpuShare.NONE) {
			return NO_GPU;
		}
		int need = slotsFor(size.gpu());
		int best = NO_FIT;
		int bestUsed = 0;
		for (int gpu = 0; gpu < usableGpus(load); gpu++) {
			int used = load.gpuSlots(gpu);
			if (used + need <= this.slotsPerGpu && (best == NO_FIT
					|| ((policy == SeatPolicy.SPREAD) ? used < bestUsed : used > bestUsed))) {
				best = gpu;
				bestUsed = used;
			}
		}
		return best;
	}

	/** How many more seats of this size fit on top of {@code load} were the node open. */
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
			for (int gpu = 0; gpu < usableGpus(load) && need > 0; gpu++) {
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

	/** Whether the load promises more than the node may give (only after a rebuild or a node update that shrank it). */
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
