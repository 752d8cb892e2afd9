package org.portico.spawner.placement;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's state of one reservation. Phase changes happen under this object's monitor (one
 * reservation, rarely); the counters are atomics read and changed without it.
 */
final class ReservationState {

	enum Phase {
		PENDING, ACTIVE, ENDED
	}

	final Reservation reservation;

	/** When its seats begin to be held: the start less the pool's lead. */
	final Instant holdFrom;

	volatile Phase phase = Phase.PENDING;

	/** Seats that should be held but are not (no room yet). */
	final AtomicInteger open = new AtomicInteger();

	/** Seats held and free for members. */
	final AtomicInteger held = new AtomicInteger();

	/** Seats members sit on. */
	final AtomicInteger taken = new AtomicInteger();

	ReservationState(Reservation reservation, Instant holdFrom) {
		this.reservation = reservation;
		this.holdFrom = holdFrom;
	}

	String id() {
		return this.reservation.id();
	}

	boolean active() {
		return this.phase == Phase.ACTIVE;
	}

	boolean admits(Set<String> groups) {
		return groups.contains(this.reservation.group());
	}

	boolean allows(NodeSlot node) {
		return this.reservation.nodes().isEmpty() || this.reservation.nodes().contains(node.name());
	}

	/** Takes one open seat to hold, if any is left. */
	boolean claimOpen() {
		while (true) {
			int open = this.open.get();
			if (open <= 0) {
				return false;
			}
			if (this.open.compareAndSet(open, open - 1)) {
				return true;
			}
		}
	}
}
