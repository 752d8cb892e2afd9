package org.portico.spawner.placement;

import java.time.Duration;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A pool of nodes for interactive sessions and the rules for sharing it.
 *
 * @param nodes the nodes (unique names), from the scheduler or from configuration
 * @param oversubscription how far cores, memory and GPUs are shared
 * @param policy where sessions go among the seats that fit
 * @param limits what each user may hold
 * @param defaultWalltime the run time of a session that asks for none (at most {@code limits.maxWalltime})
 * @param mpsLimits whether seats on a GPU slice carry CUDA MPS thread and memory limits in their
 * environment
 * @param reservationLead how long before a reservation's start its seats are held (so that they are
 * free when the class begins)
 * @param zone the time zone of times in messages
 * @param reservations reservations known from the start
 */
public record PoolConfig(List<NodeCapacity> nodes, Oversubscription oversubscription, SeatPolicy policy,
		UserLimits limits, Duration defaultWalltime, boolean mpsLimits, Duration reservationLead, ZoneId zone,
		List<Reservation> reservations) {

	public PoolConfig {
		nodes = List.copyOf(nodes);
		Objects.requireNonNull(oversubscription, "oversubscription");
		Objects.requireNonNull(policy, "policy");
		Objects.requireNonNull(limits, "limits");
		Objects.requireNonNull(defaultWalltime, "defaultWalltime");
		Objects.requireNonNull(reservationLead, "reservationLead");
		Objects.requireNonNull(zone, "zone");
		reservations = List.copyOf(reservations);
		if (defaultWalltime.isNegative() || defaultWalltime.isZero()
				|| defaultWalltime.compareTo(limits.maxWalltime()) > 0) {
			throw new IllegalArgumentException("defaultWalltime must be positive and at most " + limits.maxWalltime());
		}
		if (reservationLead.isNegative()) {
			throw new IllegalArgumentException("reservationLead must not be negative");
		}
		Set<String> names = new HashSet<>();
		for (NodeCapacity node : nodes) {
			if (!names.add(node.name())) {
				throw new IllegalArgumentException("node " + node.name() + " is listed twice");
			}
			if (node.gpus() > 0 && oversubscription.slotsPerGpu(node) < 1) {
				throw new IllegalArgumentException("node " + node.name() + ": its GPUs of " + node.gpuMemoryMiB()
						+ " MiB have no slot with " + oversubscription.gpuSharing());
			}
		}
		Set<String> ids = new HashSet<>();
		for (Reservation reservation : reservations) {
			if (!ids.add(reservation.id())) {
				throw new IllegalArgumentException("reservation " + reservation.id() + " is listed twice");
			}
		}
	}

	/**
	 * A pool with the defaults: {@link SeatPolicy#SPREAD}, {@link UserLimits#DEFAULT}, 2 h default run
	 * time, no MPS limits, no reservation lead, the system time zone, no reservations.
	 */
	public static PoolConfig of(List<NodeCapacity> nodes, Oversubscription oversubscription) {
		return new PoolConfig(nodes, oversubscription, SeatPolicy.SPREAD, UserLimits.DEFAULT, Duration.ofHours(2),
				false, Duration.ZERO, ZoneId.systemDefault(), List.of());
	}

	/** This pool with another placement policy. */
	public PoolConfig withPolicy(SeatPolicy policy) {
		return new PoolConfig(this.nodes, this.oversubscription, policy, this.limits, this.defaultWalltime,
				this.mpsLimits, this.reservationLead, this.zone, this.reservations);
	}

	/** This pool with other per-user limits. */
	public PoolConfig withLimits(UserLimits limits) {
		return new PoolConfig(this.nodes, this.oversubscription, this.policy, limits, this.defaultWalltime,
				this.mpsLimits, this.reservationLead, this.zone, this.reservations);
	}

	/** This pool with or without CUDA MPS limits in GPU-slice seats. */
	public PoolConfig withMpsLimits(boolean mpsLimits) {
		return new PoolConfig(this.nodes, this.oversubscription, this.policy, this.limits, this.defaultWalltime,
				mpsLimits, this.reservationLead, this.zone, this.reservations);
	}

	/** This pool with another time zone for messages. */
	public PoolConfig withZone(ZoneId zone) {
		return new PoolConfig(this.nodes, this.oversubscription, this.policy, this.limits, this.defaultWalltime,
				this.mpsLimits, this.reservationLead, zone, this.reservations);
	}

	/** This pool holding reservations' seats this long before they start. */
	public PoolConfig withReservationLead(Duration lead) {
		return new PoolConfig(this.nodes, this.oversubscription, this.policy, this.limits, this.defaultWalltime,
				this.mpsLimits, lead, this.zone, this.reservations);
	}

	/** This pool with these reservations from the start. */
	public PoolConfig withReservations(List<Reservation> reservations) {
		return new PoolConfig(this.nodes, this.oversubscription, this.policy, this.limits, this.defaultWalltime,
				this.mpsLimits, this.reservationLead, this.zone, reservations);
	}
}
