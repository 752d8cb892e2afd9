package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places interactive sessions on a shared pool of nodes: which node, which GPU or GPU slice, how many
 * cores. Every call answers at once: a {@link Decision.Admitted seat}, or a
 * {@link Decision.Refused refusal} whose message names the real reason with the real numbers. There is no
 * waiting inside the engine; a call takes microseconds.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li>No node promises more than its capacity after {@link Oversubscription}: cores, memory and each
 * GPU's slots, counting seats held for reservations.</li>
 * <li>Per user: at most {@link UserLimits#maxSessions()} sessions, {@link UserLimits#maxCores()} cores in
 * all, and {@link UserLimits#maxWalltime()} per session.</li>
 * <li>{@link SeatPolicy#SPREAD} (the default) picks the least-loaded GPU, then node; {@link SeatPolicy#PACK}
 * the most loaded that still fits.</li>
 * <li>{@link Reservation}s hold seats for a group during their window: members take held seats first,
 * others never; a held seat a member gives back is held again; at the end the seats return to all.
 * Seats that could not be held (the pool was full) are held as soon as room comes free.</li>
 * </ul>
 *
 * <h2>Concurrency</h2>
 * The engine is thread-safe and has no lock that serialises placements:
 * <ul>
 * <li>Each node's load is an immutable {@link NodeLoad} in an {@code AtomicReference}. A placement scans
 * the nodes without locking, picks the best fit by the policy and installs the new load with one
 * compare-and-set; if another placement changed that node first, it scans again. Two placements can
 * never both take the last seat of a node, and placements on different nodes never wait for each
 * other. The scan starts at a random node so that equally good nodes are spread among racing
 * threads.</li>
 * <li>Per-user limits are claimed before a node is touched, atomically per user with
 * {@link ConcurrentHashMap#compute} on the user's entry (which locks that entry only); the claim is
 * given back if no seat is found. So two simultaneous starts of one user cannot both pass a
 * one-session limit.</li>
 * <li>A reservation changes phase (pending, active, ended) under its own monitor, rarely; its seat
 * counters are atomics. A seat held for a reservation that ended while it was being held is taken back
 * by the thread that held it.</li>
 * <li>A refusal is decided after the scan found no seat; the engine then counts the free seats and, if
 * one came free meanwhile, tries again (a few times) instead of refusing with a false reason.</li>
 * </ul>
 * {@link #rebuild} replaces all state and must not run at the same time as other calls; {@link #updateNodes}
 * replaces the nodes while placements go on (a slot judged against an old capacity can no longer be
 * changed, see {@link NodeSlot}); {@link #snapshot} reads node by node.
 *
 * <h2>Use</h2>
 * The gateway calls {@link #place} before submitting a job and submits it with the seat's
 * {@link Seat#slurmArguments} and {@link Seat#environment}; it calls {@link #release} when the session
 * stops, is culled, fails to submit or its job ends; {@link #advance} on a timer (every few seconds) so
 * that reservations open and close without placements; {@link #rebuild} once at start-up from the
 * seats of the jobs the scheduler still runs; and {@link #updateNodes} whenever it has read the
 * scheduler's nodes anew.
 */
public final class PlacementEngine {

	private static final Logger log = LoggerFactory.getLogger(PlacementEngine.class);

	/** How often a placement that found no seat, but then counted a free one, tries again. */
	private static final int RECHECKS = 3;

	private final PoolConfig config;

	/** The nodes as one value, so that a reader sees the array and the map of the same update. */
	private volatile Nodes nodes;

	/** Serialises {@link #updateNodes} calls (rare); placements never take it. */
	private final Object nodeUpdates = new Object();

	private final Refusals refusals;

	private final ConcurrentHashMap<String, Seat> seats = new ConcurrentHashMap<>();

	private final ConcurrentHashMap<String, UserClaim> claims = new ConcurrentHashMap<>();

	private final ConcurrentHashMap<String, ReservationState> reservations = new ConcurrentHashMap<>();

	private final AtomicLong holdIds = new AtomicLong();

	/**
	 * Creates an engine with an empty pool (no sessions) and the configuration's reservations.
	 * @param config the pool
	 */
	public PlacementEngine(PoolConfig config) {
		this.config = Objects.requireNonNull(config, "config");
		NodeSlot[] slots = new NodeSlot[config.nodes().size()];
		for (int i = 0; i < slots.length; i++) {
			slots[i] = new NodeSlot(config.nodes().get(i), config.oversubscription());
		}
		this.nodes = Nodes.of(slots);
		this.refusals = new Refusals(config.zone());
		for (Reservation reservation : config.reservations()) {
			this.reservations.put(reservation.id(), newState(reservation));
		}
	}

	/** The pool this engine places on, with the nodes it started with (see {@link #snapshot} for the current ones). */
	public PoolConfig config() {
		return this.config;
	}

	/**
	 * Decides where a session goes, and takes the seat if there is one.
	 *
	 * <p>Placing a session id that already has a seat returns that seat again (a retried request). Does not
	 * block beyond the short retries of lost compare-and-set races; never waits for a seat.
	 * @param request what the user asks for
	 * @param now the current time (reservation windows are judged against it)
	 * @return the seat, or the refusal with its reason
	 * @throws IllegalArgumentException if the session id has a seat of another user
	 */
	public Decision place(SessionRequest request, Instant now) {
		Objects.requireNonNull(request, "request");
		Objects.requireNonNull(now, "now");
		Seat existing = this.seats.get(request.sessionId());
		if (existing != null) {
			if (!existing.user().equals(request.user())) {
				throw new IllegalArgumentException("session " + request.sessionId() + " belongs to another user");
			}
			return new Decision.Admitted(existing);
		}
		UserLimits limits = this.config.limits();
		Duration walltime = (request.walltime() != null) ? request.walltime() : this.config.defaultWalltime();
		if (walltime.compareTo(limits.maxWalltime()) > 0) {
			return this.refusals.walltime(limits.maxWalltime(), walltime);
		}
		if (request.cores() > limits.maxCores()) {
			return this.refusals.coreLimit(limits.maxCores(), 0, request.cores());
		}
		advance(now);
		Decision.Refused refused = claim(request, limits);
		if (refused != null) {
			return refused;
		}
		boolean placed = false;
		try {
			SeatSize size = request.size();
			for (int attempt = 0;; attempt++) {
				Seat seat = takeReservedSeat(request, size, walltime, now);
				if (seat == null) {
					seat = takeFreeSeat(request, size, walltime, now);
				}
				if (seat != null) {
					this.seats.put(seat.sessionId(), seat);
					placed = true;
					log.debug("placed session={} user={} node={} gpu={} slots={} cores={} memoryMiB={} reservation={}",
							seat.sessionId(), seat.user(), seat.node(), seat.gpu(), seat.gpuSlots(), seat.cores(),
							seat.memoryMiB(), seat.reservationId());
					return new Decision.Admitted(seat);
				}
				Decision.Refused refusal = whyNoSeat(request, size, now, attempt >= RECHECKS);
				if (refusal != null) {
					log.debug("refused session={} user={} reason={}", request.sessionId(), request.user(), refusal.reason());
					return refusal;
				}
			}
		}
		finally {
			if (!placed) {
				unclaim(request.user(), request.sessionId(), request.cores());
			}
		}
	}

	/**
	 * Gives a session's seat back: when it stopped, was culled, failed to submit or its job ended.
	 * Idempotent; unknown ids are ignored. If the seat was a reservation's and the reservation is still
	 * open, the seat is held for the reservation again. Never blocks.
	 * @param sessionId the session's id
	 */
	public void release(String sessionId) {
		Seat seat = this.seats.remove(sessionId);
		if (seat == null) {
			return;
		}
		NodeSlot node = this.nodes.byName.get(seat.node());
		if (node != null) {
			Allocation allocation = Allocation.of(seat);
			node.update((load) -> load.minusSession(allocation));
		}
		unclaim(seat.user(), seat.sessionId(), seat.cores());
		if (seat.reservationId() != null) {
			ReservationState state = this.reservations.get(seat.reservationId());
			if (state != null) {
				state.taken.decrementAndGet();
				if (state.active()) {
					state.open.incrementAndGet();
				}
			}
		}
		log.debug("released session={} user={} node={}", seat.sessionId(), seat.user(), seat.node());
		holdOpenSeats();
	}

	/**
	 * Opens reservations whose window began and closes those whose window is over. {@link #place} does
	 * this itself; the gateway also calls it on a timer so that seats are held, and given back, on time
	 * when nobody places. Cheap when nothing changes; never blocks on placements.
	 * @param now the current time
	 */
	public void advance(Instant now) {
		if (this.reservations.isEmpty()) {
			return;
		}
		boolean ended = false;
		for (ReservationState state : this.reservations.values()) {
			ReservationState.Phase phase = state.phase;
			if (phase == ReservationState.Phase.PENDING && !now.isBefore(state.holdFrom)) {
				activate(state, now);
			}
			else if (phase == ReservationState.Phase.ACTIVE && !now.isBefore(state.reservation.end())) {
				ended |= end(state);
			}
		}
		if (ended) {
			holdOpenSeats();
		}
	}

	/**
	 * How many seats of a size each node holds when empty: the most a reservation of that size can ask of
	 * it. Never blocks.
	 * @return node name to seats, in configuration order
	 */
	public Map<String, Integer> emptySeats(SeatSize size) {
		Map<String, Integer> seats = new LinkedHashMap<>();
		for (NodeSlot node : this.nodes.slots) {
			seats.put(node.name(), node.open ? node.count(node.empty, size) : 0);
		}
		return seats;
	}

	/**
	 * Adds a reservation. Its seats are held from its start (less the pool's lead) to its end.
	 * @param reservation the reservation
	 * @param now the current time
	 * @throws IllegalArgumentException if a reservation with its id exists
	 */
	public void reserve(Reservation reservation, Instant now) {
		ReservationState state = newState(reservation);
		if (this.reservations.putIfAbsent(reservation.id(), state) != null) {
			throw new IllegalArgumentException("reservation " + reservation.id() + " exists already");
		}
		log.info("reservation added id={} group={} seats={} start={} end={}", reservation.id(), reservation.group(),
				reservation.seats(), reservation.start(), reservation.end());
		advance(now);
	}

	/**
	 * Ends a reservation now: its held seats return to everyone; members' sessions keep running.
	 * @param id the reservation's id; unknown ids are ignored
	 */
	public void cancelReservation(String id) {
		ReservationState state = this.reservations.get(id);
		if (state != null && end(state)) {
			holdOpenSeats();
		}
	}

	/**
	 * Replaces the engine's sessions with those that run: after a gateway restart, from the seats the
	 * gateway persisted for the jobs the scheduler still runs. Sessions are taken as they are, even where
	 * the pool has changed and they no longer fit (a warning is logged; nothing more is placed on such a
	 * node until it has room). Reservations start over and hold their seats again on the next
	 * {@link #advance}. Must not run concurrently with other calls of this engine.
	 * @param sessions the running sessions
	 */
	public void rebuild(Collection<ExistingSession> sessions) {
		this.seats.clear();
		this.claims.clear();
		for (NodeSlot node : this.nodes.slots) {
			node.reset();
		}
		for (ReservationState state : this.reservations.values()) {
			synchronized (state) {
				state.phase = ReservationState.Phase.PENDING;
				state.open.set(0);
				state.held.set(0);
				state.taken.set(0);
			}
		}
		for (ExistingSession session : sessions) {
			NodeSlot node = this.nodes.byName.get(session.node());
			Integer gpu = session.gpu();
			if (node != null && gpu != null && gpu >= node.capacity.gpus()) {
				log.warn("rebuild: session={} names GPU {} but node={} has {}; counted without GPU", session.sessionId(),
						gpu, node.name(), node.capacity.gpus());
				gpu = null;
			}
			int slots = (gpu != null) ? session.gpuSlots() : 0;
			int slotsPerGpu = (node != null) ? Math.max(node.slotsPerGpu, slots) : slots;
			Seat seat = Seat.of(session.sessionId(), session.user(), session.node(), gpu, slots, slotsPerGpu,
					(node != null) ? node.slotMemoryMiB : 0, session.cores(), session.memoryMiB(), session.walltime(),
					session.since(), session.reservationId(), this.config.mpsLimits());
			if (this.seats.putIfAbsent(seat.sessionId(), seat) != null) {
				log.warn("rebuild: session={} is listed twice; the first one counts", seat.sessionId());
				continue;
			}
			if (node == null) {
				log.warn("rebuild: session={} user={} runs on node={}, which is not in the pool", seat.sessionId(),
						seat.user(), seat.node());
			}
			else {
				Allocation allocation = Allocation.of(seat);
				node.update((load) -> load.plusSession(allocation));
			}
			this.claims.merge(seat.user(), UserClaim.NONE.plus(seat.sessionId(), seat.cores()), UserClaim::plus);
			ReservationState state = (seat.reservationId() != null) ? this.reservations.get(seat.reservationId()) : null;
			if (state != null) {
				state.taken.incrementAndGet();
			}
		}
		for (NodeSlot node : this.nodes.slots) {
			NodeLoad load = node.load();
			if (node.overCommitted(load)) {
				log.warn("rebuild: node={} promises more than the pool allows now (cores {}/{}, memory {}/{} MiB)",
						node.name(), load.cores, node.coreCapacity, load.memoryMiB, node.memoryCapacityMiB);
			}
		}
		UserLimits limits = this.config.limits();
		this.claims.forEach((user, claim) -> {
			if (claim.sessionIds().size() > limits.maxSessions() || claim.cores() > limits.maxCores()) {
				log.warn("rebuild: user={} holds {} sessions and {} cores, more than the limits", user,
						claim.sessionIds().size(), claim.cores());
			}
		});
		log.info("rebuilt placement: {} sessions on {} nodes", this.seats.size(), this.nodes.slots.length);
	}

	/**
	 * Replaces the pool's nodes with those the scheduler reports now, while placements go on: the gateway
	 * calls it on a timer with a fresh listing.
	 * <ul>
	 * <li>A node that is new becomes available at once; one that is reported unusable (down, drained,
	 * disabled) stays in the pool but takes no new seat, and its held reservation seats are held elsewhere
	 * as far as there is room; one that is no longer listed is treated like that while sessions run on it,
	 * and dropped once none does.</li>
	 * <li>Sessions keep their seats whatever happens to their node, and {@link #release} gives them back
	 * normally.</li>
	 * <li>A node whose capacity shrank takes new seats only within the new capacity: its running sessions
	 * count against it (nothing is placed there until they fit); one that grew takes the extra at once.</li>
	 * <li>A placement that judged a fit against the old capacity, racing with this call, loses its
	 * compare-and-set and scans the new nodes again: no node is ever over-filled by new seats.</li>
	 * </ul>
	 * Takes a few microseconds per node; never blocks placements (calls of this method are serialised among
	 * themselves). Must not run concurrently with {@link #rebuild}. Nodes of the same name and state and
	 * capacity are left as they are.
	 * @param reports the scheduler's listing, in its order (usable or not)
	 * @return what changed, one phrase per node (for example {@code n3 closed (drain)}, {@code n4 added});
	 * empty when nothing did
	 * @throws IllegalArgumentException if the listing names a node twice or a GPU node has no slot with the
	 * pool's sharing; nothing is changed then
	 */
	public List<String> updateNodes(List<NodeReport> reports) {
		Objects.requireNonNull(reports, "reports");
		Oversubscription oversubscription = this.config.oversubscription();
		Map<String, NodeReport> byName = new LinkedHashMap<>();
		for (NodeReport report : reports) {
			NodeCapacity capacity = report.capacity();
			if (byName.putIfAbsent(capacity.name(), report) != null) {
				throw new IllegalArgumentException("node " + capacity.name() + " is listed twice");
			}
			if (capacity.gpus() > 0 && oversubscription.slotsPerGpu(capacity) < 1) {
				throw new IllegalArgumentException("node " + capacity.name() + ": its GPUs of " + capacity.gpuMemoryMiB()
						+ " MiB have no slot with " + oversubscription.gpuSharing());
			}
		}
		List<String> changes = new ArrayList<>();
		synchronized (this.nodeUpdates) {
			Nodes current = this.nodes;
			List<NodeSlot> next = new ArrayList<>(byName.size());
			List<NodeSlot> retired = new ArrayList<>();
			List<NodeSlot> dropped = new ArrayList<>();
			for (NodeReport report : byName.values()) {
				NodeSlot old = current.byName.get(report.capacity().name());
				String state = report.usable() ? "open" : report.state();
				if (old == null) {
					next.add(NodeSlot.reported(report.capacity(), oversubscription, report.usable(), state));
					changes.add(report.capacity().name() + " added" + (report.usable() ? "" : " closed (" + state + ")"));
				}
				else if (old.capacity.equals(report.capacity()) && old.open == report.usable()
						&& (old.open || old.state.equals(state))) {
					next.add(old);
				}
				else {
					next.add(old.successor(report.capacity(), oversubscription, report.usable(), state));
					retired.add(old);
					changes.add(describeChange(old, report, state));
				}
			}
			for (NodeSlot old : current.slots) {
				if (byName.containsKey(old.name())) {
					continue;
				}
				if (old.load().sessions > 0) {
					// sessions still run there: keep counting them, but place nothing more
					if (old.open || !old.state.equals("gone")) {
						next.add(old.successor(old.capacity, oversubscription, false, "gone"));
						retired.add(old);
						changes.add(old.name() + " gone (sessions keep running)");
					}
					else {
						next.add(old);
					}
				}
				else {
					dropped.add(old);
					changes.add(old.name() + " removed");
				}
			}
			if (changes.isEmpty()) {
				return List.of();
			}
			// publish first, then retire: a placement that fails on a retired slot rescans and finds the new one
			this.nodes = Nodes.of(next.toArray(NodeSlot[]::new));
			for (NodeSlot old : retired) {
				old.retire();
			}
			boolean lateSessions = false;
			for (NodeSlot old : dropped) {
				old.retire();
				// a placement may have landed between the count above and the retirement: keep counting it
				if (old.load().sessions > 0) {
					next.add(old.successor(old.capacity, oversubscription, false, "gone"));
					lateSessions = true;
				}
			}
			if (lateSessions) {
				this.nodes = Nodes.of(next.toArray(NodeSlot[]::new));
			}
			int moved = 0;
			for (NodeSlot node : next) {
				if (!node.open) {
					moved += giveBackHolds(node);
				}
				NodeLoad load = node.load();
				if (node.overCommitted(load)) {
					log.warn("node={} now promises more than it has (cores {}/{}, memory {}/{} MiB): no new seat there until "
							+ "sessions end", node.name(), load.cores, node.coreCapacity, load.memoryMiB, node.memoryCapacityMiB);
				}
			}
			if (moved > 0) {
				changes.add(moved + " held seats to hold elsewhere");
			}
			log.debug("placement nodes changed: {}; {} nodes, {} open", changes, next.size(),
					next.stream().filter((node) -> node.open).count());
		}
		holdOpenSeats();
		return List.copyOf(changes);
	}

	private static String describeChange(NodeSlot old, NodeReport report, String state) {
		if (old.open && !report.usable()) {
			return old.name() + " closed (" + state + ")";
		}
		if (!old.open && report.usable()) {
			return old.name() + " open again";
		}
		NodeCapacity c = report.capacity();
		return old.name() + " now " + c.cores() + " cores, " + c.memoryMiB() + " MiB, " + c.gpus() + " GPUs"
				+ (report.usable() ? "" : " closed (" + state + ")");
	}

	/** Takes every held seat off a closed node and gives it back to its reservation; returns how many. */
	private int giveBackHolds(NodeSlot node) {
		while (true) {
			NodeLoad load = node.load();
			if (load.holds.isEmpty()) {
				return 0;
			}
			if (node.compareAndSetShrinking(load, load.minusHolds((hold) -> true))) {
				for (Hold hold : load.holds) {
					ReservationState state = this.reservations.get(hold.reservationId());
					if (state != null) {
						state.held.decrementAndGet();
						if (state.active()) {
							state.open.incrementAndGet();
						}
					}
				}
				return load.holds.size();
			}
		}
	}

	/**
	 * A picture of the pool: nodes, per-GPU seats used, held and free, who sits where, reservations.
	 * Read node by node without stopping placements. Never blocks.
	 */
	public PoolView snapshot() {
		Map<String, List<Seat>> byNode = new HashMap<>();
		for (Seat seat : this.seats.values()) {
			byNode.computeIfAbsent(seat.node(), (name) -> new ArrayList<>()).add(seat);
		}
		NodeSlot[] slots = this.nodes.slots;
		List<PoolView.NodeView> views = new ArrayList<>(slots.length);
		for (NodeSlot node : slots) {
			NodeLoad load = node.load();
			List<Seat> onNode = byNode.getOrDefault(node.name(), new ArrayList<>());
			onNode.sort(Comparator.comparing(Seat::sessionId));
			int[] heldSlots = new int[load.gpus()];
			List<PoolView.HeldSeat> held = new ArrayList<>();
			for (Hold hold : load.holds) {
				Allocation a = hold.allocation();
				if (a.gpu() >= 0) {
					heldSlots[a.gpu()] += a.gpuSlots();
				}
				held.add(new PoolView.HeldSeat(hold.reservationId(), (a.gpu() >= 0) ? a.gpu() : null, a.gpuSlots(),
						a.cores(), a.memoryMiB()));
			}
			List<PoolView.GpuView> gpus = new ArrayList<>();
			for (int gpu = 0; gpu < load.gpus(); gpu++) {
				List<String> users = new ArrayList<>();
				for (Seat seat : onNode) {
					if (seat.gpu() != null && seat.gpu() == gpu) {
						users.add(seat.user());
					}
				}
				gpus.add(new PoolView.GpuView(gpu, node.slotsPerGpu, load.gpuSlots(gpu) - heldSlots[gpu], heldSlots[gpu],
						users));
			}
			views.add(new PoolView.NodeView(node.name(), node.capacity, node.coreCapacity, load.cores,
					node.memoryCapacityMiB, load.memoryMiB, gpus, onNode, held, node.open, node.state));
		}
		List<PoolView.ReservationView> reservationViews = new ArrayList<>();
		for (ReservationState state : this.reservations.values()) {
			Reservation r = state.reservation;
			reservationViews.add(new PoolView.ReservationView(r.id(), r.group(), r.seats(), state.held.get(),
					state.taken.get(), r.start(), r.end(), state.active()));
		}
		reservationViews.sort(Comparator.comparing(PoolView.ReservationView::start).thenComparing(PoolView.ReservationView::id));
		return new PoolView(views, reservationViews);
	}

	/**
	 * Moves a session's GPU slots to the device the scheduler bound its job to. Slurm 22.05 cannot be asked
	 * for a shard of one given GPU: it picks the device itself (it fills one GPU's shards before the next),
	 * so the engine's own pick is only a count until the job runs and the scheduler's answer is known. The
	 * node's totals do not change; the device's count may pass its slots for a moment while moves of other
	 * sessions are still to come (the scheduler itself never over-fills a device). Never blocks.
	 * @param sessionId the session's id
	 * @param gpu the device's index on the session's node
	 * @return the seat as it is now, or {@code null} when the session has no seat, holds no GPU slots or
	 * its node has no such GPU
	 */
	public @Nullable Seat moveGpu(String sessionId, int gpu) {
		for (;;) {
			Seat seat = this.seats.get(sessionId);
			if (seat == null || seat.gpu() == null) {
				return null;
			}
			if (seat.gpu() == gpu) {
				return seat;
			}
			NodeSlot node = this.nodes.byName.get(seat.node());
			// the node's GPUs as last reported (a node that lost one keeps its wider load until it empties)
			if (node == null || gpu < 0 || gpu >= Math.min(node.capacity.gpus(), node.load().gpus())) {
				return null;
			}
			Seat moved = seat.onGpu(gpu);
			if (this.seats.replace(sessionId, seat, moved)) {
				// additive, so a release between the replace and this update still sums up right
				node.update((load) -> load.minusSession(Allocation.of(seat)).plusSession(Allocation.of(moved)));
				log.debug("moved session={} node={} gpu={}->{}", sessionId, seat.node(), seat.gpu(), gpu);
				return moved;
			}
		}
	}

	/** The seat of a session, or {@code null}. */
	public @Nullable Seat seat(String sessionId) {
		return this.seats.get(sessionId);
	}

	private ReservationState newState(Reservation reservation) {
		return new ReservationState(reservation, reservation.start().minus(this.config.reservationLead()));
	}

	// ---- user claims

	private Decision.@Nullable Refused claim(SessionRequest request, UserLimits limits) {
		Decision.Refused[] refusal = new Decision.Refused[1];
		this.claims.compute(request.user(), (user, current) -> {
			UserClaim claim = (current != null) ? current : UserClaim.NONE;
			if (claim.sessionIds().contains(request.sessionId())) {
				refusal[0] = this.refusals.duplicate();
				return current;
			}
			if (claim.sessionIds().size() >= limits.maxSessions()) {
				List<@Nullable String> where = new ArrayList<>();
				for (String id : claim.sessionIds()) {
					Seat seat = this.seats.get(id);
					where.add((seat != null) ? seat.node() : null);
				}
				refusal[0] = this.refusals.sessionLimit(limits.maxSessions(), where);
				return current;
			}
			if ((long) claim.cores() + request.cores() > limits.maxCores()) {
				refusal[0] = this.refusals.coreLimit(limits.maxCores(), claim.cores(), request.cores());
				return current;
			}
			return claim.plus(request.sessionId(), request.cores());
		});
		return refusal[0];
	}

	private void unclaim(String user, String sessionId, int cores) {
		this.claims.computeIfPresent(user, (name, claim) -> claim.minus(sessionId, cores));
	}

	// ---- taking seats

	private @Nullable Seat takeFreeSeat(SessionRequest request, SeatSize size, Duration walltime, Instant now) {
		while (true) {
			Choice choice = choose(size, null);
			if (choice == null) {
				return null;
			}
			Allocation allocation = new Allocation(size.cores(), size.memoryMiB(), choice.gpu,
					choice.node.slotsFor(size.gpu()));
			if (choice.node.compareAndSet(choice.seen, choice.seen.plusSession(allocation))) {
				return seatOf(request, choice.node, allocation, walltime, now, null);
			}
			// Another placement changed this node first: look again.
		}
	}

	private @Nullable Seat takeReservedSeat(SessionRequest request, SeatSize size, Duration walltime, Instant now) {
		if (this.reservations.isEmpty()) {
			return null;
		}
		for (ReservationState state : this.reservations.values()) {
			if (!state.active() || !state.admits(request.groups()) || !size.fitsWithin(state.reservation.seat())) {
				continue;
			}
			while (true) {
				HeldChoice found = findHold(state);
				if (found == null) {
					break;
				}
				Allocation held = found.hold.allocation();
				Allocation allocation = new Allocation(size.cores(), size.memoryMiB(),
						(size.gpu() != GpuShare.NONE) ? held.gpu() : NodeSlot.NO_GPU, found.node.slotsFor(size.gpu()));
				NodeLoad without = found.seen.minusHold(found.hold);
				if (without != null && found.node.compareAndSet(found.seen, without.plusSession(allocation))) {
					state.held.decrementAndGet();
					state.taken.incrementAndGet();
					if (!allocation.equals(held)) {
						// The session is smaller than the held seat: the rest may hold another reservation's seat.
						holdOpenSeats();
					}
					return seatOf(request, found.node, allocation, walltime, now, state.id());
				}
			}
		}
		return null;
	}

	private Seat seatOf(SessionRequest request, NodeSlot node, Allocation allocation, Duration walltime, Instant now,
			@Nullable String reservationId) {
		return Seat.of(request.sessionId(), request.user(), node.name(), (allocation.gpu() >= 0) ? allocation.gpu() : null,
				allocation.gpuSlots(), node.slotsPerGpu, node.slotMemoryMiB, allocation.cores(), allocation.memoryMiB(),
				walltime, now, reservationId, this.config.mpsLimits());
	}

	private record Choice(NodeSlot node, NodeLoad seen, int gpu) {
	}

	private record HeldChoice(NodeSlot node, NodeLoad seen, Hold hold) {
	}

	/** The best node for a seat by the policy, as seen now, or {@code null} if none fits. */
	private @Nullable Choice choose(SeatSize size, @Nullable ReservationState within) {
		NodeSlot[] nodes = this.nodes.slots;
		int n = nodes.length;
		if (n == 0) {
			return null;
		}
		SeatPolicy policy = this.config.policy();
		boolean spread = policy == SeatPolicy.SPREAD;
		int index = ThreadLocalRandom.current().nextInt(n);
		NodeSlot best = null;
		NodeLoad bestLoad = null;
		int bestGpu = NodeSlot.NO_FIT;
		double bestScore = 0;
		for (int i = 0; i < n; i++, index = (index + 1 == n) ? 0 : index + 1) {
			NodeSlot node = nodes[index];
			if (within != null && !within.allows(node)) {
				continue;
			}
			NodeLoad load = node.load();
			int gpu = node.fit(load, size, policy);
			if (gpu == NodeSlot.NO_FIT) {
				continue;
			}
			double score = node.score(load, gpu);
			if (best == null || (spread ? score < bestScore : score > bestScore)) {
				best = node;
				bestLoad = load;
				bestGpu = gpu;
				bestScore = score;
			}
		}
		return (best != null && bestLoad != null) ? new Choice(best, bestLoad, bestGpu) : null;
	}

	private @Nullable HeldChoice findHold(ReservationState state) {
		NodeSlot[] nodes = this.nodes.slots;
		int n = nodes.length;
		int index = (n > 0) ? ThreadLocalRandom.current().nextInt(n) : 0;
		for (int i = 0; i < n; i++, index = (index + 1 == n) ? 0 : index + 1) {
			NodeSlot node = nodes[index];
			if (!node.open) {
				continue;
			}
			NodeLoad load = node.load();
			for (Hold hold : load.holds) {
				if (hold.reservationId().equals(state.id())) {
					return new HeldChoice(node, load, hold);
				}
			}
		}
		return null;
	}

	// ---- reservations

	private void activate(ReservationState state, Instant now) {
		synchronized (state) {
			if (state.phase != ReservationState.Phase.PENDING) {
				return;
			}
			if (!now.isBefore(state.reservation.end())) {
				state.phase = ReservationState.Phase.ENDED;
				this.reservations.remove(state.id(), state);
				return;
			}
			state.open.set(Math.max(0, state.reservation.seats() - state.taken.get()));
			state.phase = ReservationState.Phase.ACTIVE;
		}
		holdOpenSeats(state);
		log.info("reservation open id={} group={} seats={} held={} not yet held={}", state.id(),
				state.reservation.group(), state.reservation.seats(), state.held.get(), state.open.get());
	}

	/** Closes a reservation; returns whether this call closed it. */
	private boolean end(ReservationState state) {
		synchronized (state) {
			if (state.phase == ReservationState.Phase.ENDED) {
				return false;
			}
			state.phase = ReservationState.Phase.ENDED;
			state.open.set(0);
		}
		for (NodeSlot node : this.nodes.slots) {
			removeHolds(node, state);
		}
		this.reservations.remove(state.id(), state);
		log.info("reservation closed id={} group={} members seated={}", state.id(), state.reservation.group(),
				state.taken.get());
		return true;
	}

	private void removeHolds(NodeSlot node, ReservationState state) {
		while (true) {
			NodeLoad load = node.load();
			int count = 0;
			for (Hold hold : load.holds) {
				if (hold.reservationId().equals(state.id())) {
					count++;
				}
			}
			if (count == 0) {
				return;
			}
			if (node.compareAndSetShrinking(load, load.minusHolds((hold) -> hold.reservationId().equals(state.id())))) {
				state.held.addAndGet(-count);
				return;
			}
		}
	}

	/** Holds the open seats of every active reservation, as far as there is room. */
	private void holdOpenSeats() {
		for (ReservationState state : this.reservations.values()) {
			if (state.active() && state.open.get() > 0) {
				holdOpenSeats(state);
			}
		}
	}

	private void holdOpenSeats(ReservationState state) {
		while (state.claimOpen()) {
			if (!holdOne(state)) {
				state.open.incrementAndGet();
				return;
			}
		}
	}

	/** Holds one seat for the reservation (whose open count the caller took); false if none fits. */
	private boolean holdOne(ReservationState state) {
		SeatSize size = state.reservation.seat();
		while (true) {
			Choice choice = choose(size, state);
			if (choice == null) {
				return false;
			}
			Hold hold = new Hold(state.id(), this.holdIds.incrementAndGet(), new Allocation(size.cores(),
					size.memoryMiB(), choice.gpu, choice.node.slotsFor(size.gpu())));
			if (choice.node.compareAndSet(choice.seen, choice.seen.plusHold(hold))) {
				state.held.incrementAndGet();
				if (!state.active()) {
					// The reservation closed while this seat was being held: its sweep may have passed this node.
					removeHolds(choice.node, state);
				}
				return true;
			}
		}
	}

	// ---- refusals

	/**
	 * Why no seat was found; {@code null} if a seat seems to have come free meanwhile and {@code last} is
	 * false (the caller tries again).
	 */
	private Decision.@Nullable Refused whyNoSeat(SessionRequest request, SeatSize size, Instant now, boolean last) {
		int total = 0;
		int free = 0;
		boolean anyCouldHold = false;
		List<String> closed = new ArrayList<>();
		for (NodeSlot node : this.nodes.slots) {
			int empty = node.count(node.empty, size);
			if (empty > 0 && !node.open) {
				closed.add(node.name() + ": " + node.state);
			}
			else if (empty > 0) {
				anyCouldHold = true;
				total += empty;
				free += node.count(node.load(), size);
			}
		}
		if (!anyCouldHold) {
			return closed.isEmpty() ? tooLarge(size) : this.refusals.closed(closed);
		}
		List<ReservationState> blocking = new ArrayList<>();
		boolean heldForMe = false;
		ReservationState mine = null;
		for (ReservationState state : this.reservations.values()) {
			boolean member = state.admits(request.groups());
			if (member && state.phase == ReservationState.Phase.PENDING
					&& (mine == null || state.reservation.start().isBefore(mine.reservation.start()))) {
				mine = state;
			}
			if (!state.active() || state.held.get() <= 0) {
				continue;
			}
			if (member) {
				heldForMe |= size.fitsWithin(state.reservation.seat());
			}
			else if (fitsWithoutHoldsOf(state, size)) {
				blocking.add(state);
			}
		}
		if ((free > 0 || heldForMe) && !last) {
			return null;
		}
		if (!blocking.isEmpty()) {
			return this.refusals.reservedForOthers(blocking, now);
		}
		if (mine != null) {
			return this.refusals.notStarted(total - free, total, mine.reservation.start(), now);
		}
		return this.refusals.full(total - free, total);
	}

	private boolean fitsWithoutHoldsOf(ReservationState state, SeatSize size) {
		for (NodeSlot node : this.nodes.slots) {
			NodeLoad load = node.load();
			if (!load.holds.isEmpty()) {
				NodeLoad without = load.minusHolds((hold) -> hold.reservationId().equals(state.id()));
				if (without != load && node.fit(without, size, this.config.policy()) != NodeSlot.NO_FIT) {
					return true;
				}
			}
		}
		return false;
	}

	private Decision.Refused tooLarge(SeatSize size) {
		int maxCores = 0;
		long maxMemory = 0;
		boolean gpus = false;
		for (NodeSlot node : this.nodes.slots) {
			if (size.gpu() != GpuShare.NONE && node.capacity.gpus() == 0) {
				continue;
			}
			gpus = true;
			maxCores = Math.max(maxCores, Math.min(node.capacity.cores(), node.coreCapacity));
			maxMemory = Math.max(maxMemory, node.memoryCapacityMiB);
		}
		if (!gpus) {
			return this.refusals.noGpus();
		}
		if (size.cores() > maxCores) {
			return this.refusals.tooManyCores(size.cores(), maxCores);
		}
		if (size.memoryMiB() > maxMemory) {
			return this.refusals.tooMuchMemory(size.memoryMiB(), maxMemory);
		}
		return this.refusals.tooLarge(size);
	}

	/** What one user holds: session ids (placed or being placed) and their cores. */
	private record UserClaim(List<String> sessionIds, int cores) {

		static final UserClaim NONE = new UserClaim(List.of(), 0);

		UserClaim plus(String sessionId, int cores) {
			List<String> ids = new ArrayList<>(this.sessionIds);
			ids.add(sessionId);
			return new UserClaim(List.copyOf(ids), this.cores + cores);
		}

		UserClaim plus(UserClaim other) {
			List<String> ids = new ArrayList<>(this.sessionIds);
			ids.addAll(other.sessionIds);
			return new UserClaim(List.copyOf(ids), this.cores + other.cores);
		}

		/** Without the session; {@code null} (removing the entry) when nothing is left. */
		@Nullable UserClaim minus(String sessionId, int cores) {
			if (!this.sessionIds.contains(sessionId)) {
				return this;
			}
			List<String> ids = new ArrayList<>(this.sessionIds);
			ids.remove(sessionId);
			return ids.isEmpty() ? null : new UserClaim(List.copyOf(ids), this.cores - cores);
		}
	}

	/** The node slots in the pool's order and by name: one immutable value per {@link #updateNodes}. */
	private record Nodes(NodeSlot[] slots, Map<String, NodeSlot> byName) {

		static Nodes of(NodeSlot[] slots) {
			Map<String, NodeSlot> byName = new HashMap<>();
			for (NodeSlot slot : slots) {
				byName.put(slot.name(), slot);
			}
			return new Nodes(slots, Map.copyOf(byName));
		}
	}
}
