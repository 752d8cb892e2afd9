package org.portico.gateway.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.group.GroupService;
import org.portico.gateway.security.PorticoPrincipal;
import org.portico.gateway.store.ReservationRecord;
import org.portico.gateway.store.ReservationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Class reservations: checked ({@link ReservationRules}), saved, then given to the pool's engine, which
 * holds the seats during the window without touching the seats already taken; a cancel ends them in the
 * engine at once. Who may: admins, and members of {@code portico.placement.lecturer-group} for the groups
 * they belong to.
 */
@Component
public final class ReservationService {

	private static final Logger log = LoggerFactory.getLogger(ReservationService.class);

	private final PlacementService placement;

	private final ReservationStore store;

	private final GroupService groups;

	private final @Nullable String lecturerGroup;

	private final Duration maxLength;

	public ReservationService(PlacementService placement, ReservationStore store, GroupService groups,
			PlacementProperties properties) {
		this.placement = placement;
		this.store = store;
		this.groups = groups;
		this.lecturerGroup = properties.lecturerGroup();
		this.maxLength = properties.maxReservationLength();
	}

	/** A caller who may not reserve, or not for this group. */
	public static final class Forbidden extends RuntimeException {

		Forbidden(String message) {
			super(message, null, false, false);
		}
	}

	/** An unknown reservation. */
	public static final class NotFound extends RuntimeException {

		NotFound(String message) {
			super(message, null, false, false);
		}
	}

	/** The reservations not over yet, by start; for admins and lecturers. */
	public Flux<ReservationRecord> list(PorticoPrincipal caller) {
		return rightsOf(caller).flatMapMany((rights) -> this.store.notEnded(System.currentTimeMillis()));
	}

	/**
	 * Checks, saves and applies a reservation.
	 * @return emits the saved reservation; errors with {@link ReservationRules.Invalid} (a field is wrong,
	 * the group does not exist), {@link Forbidden}
	 */
	public Mono<ReservationRecord> create(PorticoPrincipal caller, ReservationRules.Draft draft) {
		return rightsOf(caller).flatMap((rights) -> {
			Map<String, Map<String, Integer>> pools = new LinkedHashMap<>();
			for (String pool : this.placement.pools()) {
				Map<String, Integer> seats = this.placement.emptySeats(pool);
				if (!seats.isEmpty()) {
					pools.put(pool, seats);
				}
			}
			ReservationRules.check(draft, pools, Instant.now(), this.maxLength);
			if (!rights.admin() && !rights.groups().contains(draft.group())) {
				return Mono.error(new Forbidden("You may reserve seats only for a group you belong to; you are not in group "
						+ draft.group() + "."));
			}
			ReservationRecord record = new ReservationRecord(newId(), draft.pool(), draft.group(), draft.seats(), draft.start(),
					draft.end(), draft.nodes().stream().distinct().toList(), caller.name());
			return this.groups.find(draft.group())
				.onErrorMap(GroupService.GroupException.class,
						(ex) -> new ReservationRules.Invalid("group", "'group': there is no group " + draft.group() + "."))
				.then(this.store.insert(record))
				.then(Mono.fromSupplier(() -> {
					this.placement.addReservation(record);
					log.info("reservation created id={} pool={} group={} seats={} start={} end={} by={}", record.id(), record.pool(),
							record.group(), record.seats(), record.start(), record.end(), caller.name());
					return record;
				}));
		});
	}

	/**
	 * Cancels a reservation: deleted, and its held seats return to everyone; members' sessions keep running.
	 * @return completes when done; errors with {@link NotFound}, {@link Forbidden}
	 */
	public Mono<Void> delete(PorticoPrincipal caller, String id) {
		return rightsOf(caller).flatMap((rights) -> this.store.find(id)
			.switchIfEmpty(Mono.error(() -> new NotFound("No reservation " + org.portico.gateway.security.Accounts.printable(id) + ".")))
			.flatMap((record) -> {
				if (!rights.admin() && !rights.groups().contains(record.group())) {
					return Mono.error(new Forbidden("You may cancel only the reservations of groups you belong to."));
				}
				return this.store.delete(id).then(Mono.fromRunnable(() -> {
					this.placement.cancelReservation(record.pool(), id);
					log.info("reservation cancelled id={} pool={} group={} by={}", id, record.pool(), record.group(), caller.name());
				}));
			}))
			.then();
	}

	/** Cancels the engine side of every reservation of a group that is being deleted (the database cascades). */
	public Mono<Void> forgetGroup(String group) {
		return this.store.notEnded(System.currentTimeMillis())
			.filter((record) -> record.group().equals(group))
			.doOnNext((record) -> this.placement.cancelReservation(record.pool(), record.id()))
			.then();
	}

	private record Rights(boolean admin, Set<String> groups) {
	}

	private Mono<Rights> rightsOf(PorticoPrincipal caller) {
		if (caller.admin()) {
			return Mono.just(new Rights(true, Set.of()));
		}
		String lecturers = this.lecturerGroup;
		if (lecturers == null || lecturers.isBlank() || !caller.isUser()) {
			return Mono.error(new Forbidden("This needs admin rights."));
		}
		return this.groups.groupsOf(caller.name()).flatMap((mine) -> mine.contains(lecturers) ? Mono.just(new Rights(false, mine))
				: Mono.error(new Forbidden("This needs admin rights, or membership of group " + lecturers + " (lecturers).")));
	}

	private static String newId() {
		return "r" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
	}
}
