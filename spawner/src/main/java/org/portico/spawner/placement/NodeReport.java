package org.portico.spawner.placement;

import java.util.List;
import java.util.Objects;

/**
 * One node as a scheduler lists it: its capacity, and whether it takes jobs now.
 *
 * @param capacity what it has
 * @param state the scheduler's state word(s), as printed (for example {@code mixed}, {@code IDLE+DRAIN},
 * {@code job-exclusive})
 * @param usable whether the state lets new jobs start (not down, drained, offline or unreachable)
 * @param partitions the partitions or queues the scheduler lists it in (empty when it does not say)
 */
public record NodeReport(NodeCapacity capacity, String state, boolean usable, List<String> partitions) {

	public NodeReport {
		Objects.requireNonNull(capacity, "capacity");
		Objects.requireNonNull(state, "state");
		partitions = List.copyOf(partitions);
	}

	/** The capacities of the usable nodes of a listing, in its order. */
	public static List<NodeCapacity> usable(List<NodeReport> reports) {
		return reports.stream().filter(NodeReport::usable).map(NodeReport::capacity).toList();
	}
}
