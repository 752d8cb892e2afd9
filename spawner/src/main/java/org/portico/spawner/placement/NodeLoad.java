package org.portico.spawner.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * What is promised on one node at one moment: an immutable value, replaced as a whole by
 * compare-and-set, so a reader always sees a consistent node. The totals include held seats.
 */
final class NodeLoad {

	final int cores;

	final long memoryMiB;

	private final int[] gpuSlots;

	final List<Hold> holds;

	final int sessions;

	private NodeLoad(int cores, long memoryMiB, int[] gpuSlots, List<Hold> holds, int sessions) {
		this.cores = cores;
		this.memoryMiB = memoryMiB;
		this.gpuSlots = gpuSlots;
		this.holds = holds;
		this.sessions = sessions;
	}

	static NodeLoad empty(int gpus) {
		return new NodeLoad(0, 0, new int[gpus], List.of(), 0);
	}

	/** Slots taken on a GPU (sessions and holds). */
	int gpuSlots(int gpu) {
		return this.gpuSlots[gpu];
	}

	int gpus() {
		return this.gpuSlots.length;
	}

	/** An equal load that is another object (so that a compare-and-set expecting this one fails). */
	NodeLoad copy() {
		return new NodeLoad(this.cores, this.memoryMiB, this.gpuSlots, this.holds, this.sessions);
	}

	/** This load counting at least {@code gpus} GPUs (never fewer than now: a removed GPU keeps its slots). */
	NodeLoad withGpus(int gpus) {
		if (gpus <= this.gpuSlots.length) {
			return this;
		}
		return new NodeLoad(this.cores, this.memoryMiB, java.util.Arrays.copyOf(this.gpuSlots, gpus), this.holds, this.sessions);
	}

	NodeLoad plusSession(Allocation allocation) {
		return change(allocation, 1, this.sessions + 1, this.holds);
	}

	NodeLoad minusSession(Allocation allocation) {
		return change(allocation, -1, this.sessions - 1, this.holds);
	}

	NodeLoad plusHold(Hold hold) {
		List<Hold> holds = new ArrayList<>(this.holds.size() + 1);
		holds.addAll(this.holds);
		holds.add(hold);
		return change(hold.allocation(), 1, this.sessions, List.copyOf(holds));
	}

	/** This load without the hold, or {@code null} if the hold is not on this node. */
	@Nullable NodeLoad minusHold(Hold hold) {
		if (!this.holds.contains(hold)) {
			return null;
		}
		List<Hold> holds = new ArrayList<>(this.holds);
		holds.remove(hold);
		return change(hold.allocation(), -1, this.sessions, List.copyOf(holds));
	}

	/** This load without every hold that matches. */
	NodeLoad minusHolds(Predicate<Hold> which) {
		NodeLoad load = this;
		for (Hold hold : this.holds) {
			if (which.test(hold)) {
				NodeLoad without = load.minusHold(hold);
				load = (without != null) ? without : load;
			}
		}
		return load;
	}

	private NodeLoad change(Allocation allocation, int sign, int sessions, List<Hold> holds) {
		int[] slots = this.gpuSlots;
		if (allocation.gpu() >= 0 && allocation.gpuSlots() > 0) {
			slots = slots.clone();
			slots[allocation.gpu()] += sign * allocation.gpuSlots();
		}
		return new NodeLoad(this.cores + sign * allocation.cores(), this.memoryMiB + sign * allocation.memoryMiB(), slots,
				holds, sessions);
	}
}
