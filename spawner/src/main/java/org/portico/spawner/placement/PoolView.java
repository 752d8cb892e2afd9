package org.portico.spawner.placement;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A picture of the pool for admins and the UI: nodes, seats used and free per GPU, who sits where, and
 * the reservations. Taken node by node without stopping placements, so under load two nodes may be seen
 * a moment apart; each node on its own is consistent.
 *
 * @param nodes every node of the pool, in configuration order
 * @param reservations the reservations not yet over
 */
public record PoolView(List<NodeView> nodes, List<ReservationView> reservations) {

	public PoolView {
		nodes = List.copyOf(nodes);
		reservations = List.copyOf(reservations);
	}

	/** The number of sessions seated. */
	public int sessions() {
		return this.nodes.stream().mapToInt((node) -> node.seats().size()).sum();
	}

	/**
	 * One node.
	 * @param name its name
	 * @param capacity what it physically has
	 * @param coreCapacity the cores it may promise ({@link Oversubscription#coreCapacity})
	 * @param coresInUse cores promised to sessions and held seats
	 * @param memoryCapacityMiB the memory it may promise
	 * @param memoryInUseMiB memory promised to sessions and held seats
	 * @param gpus its GPUs
	 * @param seats the sessions on it
	 * @param held the seats held on it for reservations
	 * @param open whether it takes new seats (a closed node keeps its running sessions)
	 * @param state {@code open}, or for a closed node the scheduler's word for its state when it was last read
	 * ({@code gone} when it was no longer listed)
	 */
	public record NodeView(String name, NodeCapacity capacity, int coreCapacity, int coresInUse, long memoryCapacityMiB,
			long memoryInUseMiB, List<GpuView> gpus, List<Seat> seats, List<HeldSeat> held, boolean open, String state) {

		public NodeView {
			Objects.requireNonNull(state, "state");
			gpus = List.copyOf(gpus);
			seats = List.copyOf(seats);
			held = List.copyOf(held);
		}
	}

	/**
	 * One GPU of a node.
	 * @param index its index on the node
	 * @param slots its slots
	 * @param used slots taken by sessions
	 * @param held slots held for reservations
	 * @param users the users of the sessions on it
	 */
	public record GpuView(int index, int slots, int used, int held, List<String> users) {

		public GpuView {
			users = List.copyOf(users);
		}

		/** Slots anyone may still take. */
		public int free() {
			return this.slots - this.used - this.held;
		}
	}

	/**
	 * A seat held for a reservation.
	 * @param reservationId the reservation
	 * @param gpu its GPU, or {@code null}
	 * @param gpuSlots its GPU slots
	 * @param cores its cores
	 * @param memoryMiB its memory
	 */
	public record HeldSeat(String reservationId, @Nullable Integer gpu, int gpuSlots, int cores, long memoryMiB) {
	}

	/**
	 * A reservation.
	 * @param id its id
	 * @param group its group
	 * @param seats the seats it promises
	 * @param held seats held and not yet taken
	 * @param taken seats taken by members now
	 * @param start its start
	 * @param end its end
	 * @param active whether its window (with the lead) is open
	 */
	public record ReservationView(String id, String group, int seats, int held, int taken, Instant start, Instant end,
			boolean active) {
	}
}
