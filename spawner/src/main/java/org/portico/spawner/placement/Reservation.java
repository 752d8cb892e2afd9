package org.portico.spawner.placement;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * Seats held for a group (a class) during a time window.
 *
 * <p>From {@code start} (less the pool's {@link PoolConfig#reservationLead() lead}) to {@code end} the
 * engine holds {@code seats} seats of size {@code seat}: members of {@code group} take them before any
 * free seat, others cannot take them, and a seat a member gives back returns to the reservation. At
 * {@code end} the held seats return to everyone; members' running sessions keep running.
 *
 * @param id a unique id
 * @param group the group whose members may use the seats
 * @param seats how many seats, at least 1
 * @param seat the size of each seat
 * @param start when the window opens
 * @param end when it closes (after {@code start})
 * @param nodes the nodes to hold seats on; empty for the whole pool
 */
public record Reservation(String id, String group, int seats, SeatSize seat, Instant start, Instant end,
		Set<String> nodes) {

	public Reservation {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(group, "group");
		Objects.requireNonNull(seat, "seat");
		Objects.requireNonNull(start, "start");
		Objects.requireNonNull(end, "end");
		nodes = Set.copyOf(nodes);
		if (seats < 1) {
			throw new IllegalArgumentException("reservation " + id + ": seats must be at least 1");
		}
		if (!end.isAfter(start)) {
			throw new IllegalArgumentException("reservation " + id + ": end must be after start");
		}
	}
}
