package org.portico.gateway.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A class reservation as the database keeps it: seats of a placement pool held for a group.
 *
 * @param id its id
 * @param pool the placement pool
 * @param group the group whose members may use the seats
 * @param seats how many seats
 * @param start when the window opens
 * @param end when it closes
 * @param nodes the nodes to hold seats on; empty for the whole pool
 * @param createdBy who made it (a user name, or the admin token's service name)
 */
public record ReservationRecord(String id, String pool, String group, int seats, Instant start, Instant end,
		List<String> nodes, String createdBy) {

	public ReservationRecord {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(pool, "pool");
		Objects.requireNonNull(group, "group");
		Objects.requireNonNull(start, "start");
		Objects.requireNonNull(end, "end");
		Objects.requireNonNull(createdBy, "createdBy");
		nodes = List.copyOf(nodes);
	}
}
