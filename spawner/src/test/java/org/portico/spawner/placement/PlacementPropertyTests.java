package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Random pools, random streams of starts, stops and passing time, and after every step the invariants:
 * no resource beyond its factor, one seat per admitted session, per-user limits, reservations honoured,
 * and every refusal's reason true at that moment.
 *
 * <p>A seeded loop rather than a property-testing library: each seed is one case, and a failure names
 * its seed and step, so it replays with {@link #replay(long)}. The capacities the checks compare against
 * are computed here from the configuration, not taken from the engine.
 */
class PlacementPropertyTests {

	private static final int SEEDS = 400;

	private static final int STEPS = 300;

	private static final long GIB = 1024;

	private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

	private static final Pattern FULL = Pattern.compile("The interactive queue is full: (\\d+) of (\\d+) seats are taken\\..*");

	@Test
	void invariantsHoldForRandomPoolsAndStreams() {
		Map<String, Integer> outcomes = new HashMap<>();
		for (long seed = 0; seed < SEEDS; seed++) {
			replay(seed).forEach((outcome, count) -> outcomes.merge(outcome, count, Integer::sum));
		}
		// The streams must reach every outcome, or the checks above prove little.
		List<String> expected = new ArrayList<>(List.of("ADMITTED", "ADMITTED_RESERVED"));
		for (RefusalReason reason : RefusalReason.values()) {
			// CLOSED needs node changes, which PlacementNodeUpdateTests streams
			if (reason != RefusalReason.DUPLICATE && reason != RefusalReason.CLOSED) {
				expected.add(reason.name());
			}
		}
		assertThat(outcomes).as("outcomes over all seeds: %s", outcomes).containsKeys(expected.toArray(String[]::new));
	}

	/** Runs one case; call it with a failing seed to debug it. Returns how often each outcome came. */
	static Map<String, Integer> replay(long seed) {
		Case c = new Case(seed);
		c.run();
		return c.seen;
	}

	private static final class Case {

		private final long seed;

		private final Random random;

		private final PoolConfig config;

		private final PlacementEngine engine;

		private final Map<String, Set<String>> groups = new HashMap<>();

		private final Map<String, Reservation> reservations = new LinkedHashMap<>();

		/** Admitted and not released, by session id: the model the engine must agree with. */
		private final Map<String, Seat> live = new LinkedHashMap<>();

		private Instant now = T0;

		private int step;

		private final Map<String, Integer> seen = new HashMap<>();

		Case(long seed) {
			this.seed = seed;
			this.random = new Random(seed);
			this.config = randomPool();
			this.engine = new PlacementEngine(this.config);
			for (int u = 0; u < 12; u++) {
				Set<String> g = switch (this.random.nextInt(4)) {
					case 0 -> Set.of("g0");
					case 1 -> Set.of("g1");
					case 2 -> Set.of("g0", "g1");
					default -> Set.of();
				};
				this.groups.put("u" + u, g);
			}
			for (Reservation reservation : randomReservations()) {
				this.reservations.put(reservation.id(), reservation);
			}
		}

		void run() {
			try {
				steps();
			}
			catch (AssertionError ex) {
				throw new AssertionError("seed " + this.seed + ", step " + this.step + ", at " + this.now + " (replay("
						+ this.seed + "L)); refusals so far " + this.seen + ": " + ex.getMessage(), ex);
			}
		}

		private void steps() {
			for (Reservation reservation : this.reservations.values()) {
				this.engine.reserve(reservation, this.now);
			}
			check();
			for (this.step = 0; this.step < STEPS; this.step++) {
				int op = this.random.nextInt(10);
				if (op < 6) {
					place();
				}
				else if (op < 9) {
					release();
				}
				else {
					this.now = this.now.plus(Duration.ofMinutes(this.random.nextInt(40)));
					this.engine.advance(this.now);
				}
				check();
			}
		}

		// ---- random inputs

		private PoolConfig randomPool() {
			double cpu = pick(1.0, 1.5, 2.0, 4.0);
			double memory = pick(1.0, 1.25, 1.5, 2.0);
			GpuSharing sharing = this.random.nextBoolean() ? GpuSharing.sessions(1 + this.random.nextInt(8))
					: GpuSharing.slicesOf(pick(5L, 10L, 20L) * GIB);
			List<NodeCapacity> nodes = new ArrayList<>();
			int count = 1 + this.random.nextInt(6);
			for (int i = 0; i < count; i++) {
				int gpus = this.random.nextInt(3) == 0 ? 0 : 1 + this.random.nextInt(4);
				nodes.add(new NodeCapacity("n" + i, 1 + this.random.nextInt(32), this.random.nextInt(128) * GIB,
						this.random.nextInt(3) * 16 * GIB, gpus, (gpus > 0) ? pick(20L, 40L, 80L) * GIB : 0));
			}
			UserLimits limits = new UserLimits(1 + this.random.nextInt(3), Duration.ofHours(24),
					this.random.nextBoolean() ? Integer.MAX_VALUE : 2 + this.random.nextInt(16));
			return new PoolConfig(nodes, new Oversubscription(cpu, memory, sharing),
					this.random.nextBoolean() ? SeatPolicy.SPREAD : SeatPolicy.PACK, limits, Duration.ofHours(2),
					this.random.nextBoolean(), Duration.ofMinutes(this.random.nextInt(3) * 10), ZoneId.of("UTC"), List.of());
		}

		private List<Reservation> randomReservations() {
			List<Reservation> reservations = new ArrayList<>();
			int count = this.random.nextInt(3);
			for (int i = 0; i < count; i++) {
				Instant start = T0.plus(Duration.ofMinutes(this.random.nextInt(600) - 60));
				Instant end = start.plus(Duration.ofMinutes(30 + this.random.nextInt(240)));
				Set<String> nodes = this.random.nextBoolean() ? Set.of() : Set.of("n0");
				reservations.add(new Reservation("r" + i, "g" + this.random.nextInt(2), 1 + this.random.nextInt(8),
						randomSize(), start, end, nodes));
			}
			return reservations;
		}

		private SeatSize randomSize() {
			GpuShare gpu = pick(GpuShare.NONE, GpuShare.SLICE, GpuShare.SLICE, GpuShare.WHOLE);
			int cores = (this.random.nextInt(20) == 0) ? 40 + this.random.nextInt(40) : 1 + this.random.nextInt(6);
			return new SeatSize(cores, this.random.nextInt(24) * GIB, gpu);
		}

		private void place() {
			String user = "u" + this.random.nextInt(this.groups.size());
			SeatSize size = randomSize();
			Duration walltime = switch (this.random.nextInt(6)) {
				case 0 -> Duration.ofHours(30);
				case 1 -> null;
				default -> Duration.ofMinutes(30 + this.random.nextInt(600));
			};
			SessionRequest request = new SessionRequest(user + "/" + this.random.nextInt(4), user, this.groups.get(user),
					size.cores(), size.memoryMiB(), size.gpu(), walltime);
			PoolView before = this.engine.snapshot();
			Decision decision = this.engine.place(request, this.now);
			if (decision instanceof Decision.Admitted admitted) {
				Seat seat = admitted.seat();
				Seat earlier = this.live.get(request.sessionId());
				if (earlier != null) {
					assertThat(seat).as("a session placed again keeps its seat").isEqualTo(earlier);
					return;
				}
				assertThat(seat.sessionId()).isEqualTo(request.sessionId());
				assertThat(seat.cores()).isEqualTo(request.cores());
				assertThat(seat.memoryMiB()).isEqualTo(request.memoryMiB());
				Duration asked = (walltime != null) ? walltime : this.config.defaultWalltime();
				assertThat(seat.walltime()).isEqualTo(asked);
				assertThat(asked).isLessThanOrEqualTo(this.config.limits().maxWalltime());
				assertThat(seat.gpuSlots()).isEqualTo(slotsFor(seat.node(), request.gpu()));
				checkReservedFirst(request, seat, before);
				this.live.put(seat.sessionId(), seat);
				this.seen.merge((seat.reservationId() != null) ? "ADMITTED_RESERVED" : "ADMITTED", 1, Integer::sum);
			}
			else {
				Decision.Refused refused = (Decision.Refused) decision;
				this.seen.merge(refused.reason().name(), 1, Integer::sum);
				checkRefusalIsTrue(request, walltime, refused, this.engine.snapshot());
			}
		}

		private void release() {
			if (this.live.isEmpty() || this.random.nextInt(10) == 0) {
				this.engine.release("nobody/" + this.random.nextInt(3));
				return;
			}
			List<String> ids = new ArrayList<>(this.live.keySet());
			String id = ids.get(this.random.nextInt(ids.size()));
			this.engine.release(id);
			this.live.remove(id);
		}

		// ---- the checks

		private void check() {
			PoolView view = this.engine.snapshot();
			Map<String, Seat> seated = new HashMap<>();
			for (PoolView.NodeView node : view.nodes()) {
				NodeCapacity capacity = node.capacity();
				int cores = 0;
				long memory = 0;
				int[] gpuSlots = new int[capacity.gpus()];
				for (Seat seat : node.seats()) {
					assertThat(seated.put(seat.sessionId(), seat)).as("one seat per session").isNull();
					assertThat(seat.node()).isEqualTo(node.name());
					assertThat(seat.cores()).isLessThanOrEqualTo(capacity.cores());
					cores += seat.cores();
					memory += seat.memoryMiB();
					if (seat.gpu() != null) {
						gpuSlots[seat.gpu()] += seat.gpuSlots();
					}
				}
				for (PoolView.HeldSeat held : node.held()) {
					cores += held.cores();
					memory += held.memoryMiB();
					if (held.gpu() != null) {
						gpuSlots[held.gpu()] += held.gpuSlots();
					}
				}
				assertThat(node.coresInUse()).isEqualTo(cores);
				assertThat(node.memoryInUseMiB()).isEqualTo(memory);
				assertThat(cores).as("cores of %s", node.name()).isLessThanOrEqualTo(coreCapacity(capacity));
				assertThat(memory).as("memory of %s", node.name()).isLessThanOrEqualTo(memoryCapacity(capacity));
				for (PoolView.GpuView gpu : node.gpus()) {
					assertThat(gpu.used() + gpu.held()).isEqualTo(gpuSlots[gpu.index()]);
					assertThat(gpuSlots[gpu.index()]).as("slots of %s GPU %s", node.name(), gpu.index())
						.isLessThanOrEqualTo(slotsPerGpu(capacity));
				}
			}
			assertThat(seated).as("the engine's seats are exactly the admitted, unreleased sessions").isEqualTo(this.live);
			Map<String, int[]> perUser = new HashMap<>();
			for (Seat seat : this.live.values()) {
				int[] counts = perUser.computeIfAbsent(seat.user(), (u) -> new int[2]);
				counts[0]++;
				counts[1] += seat.cores();
				assertThat(seat.walltime()).isLessThanOrEqualTo(this.config.limits().maxWalltime());
			}
			perUser.forEach((user, counts) -> {
				assertThat(counts[0]).as("sessions of %s", user).isLessThanOrEqualTo(this.config.limits().maxSessions());
				assertThat(counts[1]).as("cores of %s", user).isLessThanOrEqualTo(this.config.limits().maxCores());
			});
			checkReservations(view);
		}

		private void checkReservations(PoolView view) {
			for (PoolView.ReservationView r : view.reservations()) {
				Reservation reservation = reservation(r.id());
				assertThat(r.held() + r.taken()).as("seats of %s", r.id()).isLessThanOrEqualTo(r.seats());
				int heldOnNodes = 0;
				for (PoolView.NodeView node : view.nodes()) {
					for (PoolView.HeldSeat held : node.held()) {
						if (held.reservationId().equals(r.id())) {
							heldOnNodes++;
							assertThat(reservation.nodes().isEmpty() || reservation.nodes().contains(node.name()))
								.as("held only on the reservation's nodes").isTrue();
							assertThat(r.active()).as("held only while open").isTrue();
						}
					}
				}
				assertThat(heldOnNodes).isEqualTo(r.held());
				boolean open = !this.now.isBefore(reservation.start().minus(this.config.reservationLead()))
						&& this.now.isBefore(reservation.end());
				assertThat(r.active()).as("%s open at %s", r.id(), this.now).isEqualTo(open);
				if (r.active() && r.held() + r.taken() < r.seats()) {
					for (PoolView.NodeView node : view.nodes()) {
						if (reservation.nodes().isEmpty() || reservation.nodes().contains(node.name())) {
							assertThat(fitsFree(node, reservation.seat()))
								.as("%s lacks seats, yet %s has room for one", r.id(), node.name()).isFalse();
						}
					}
				}
			}
			for (PoolView.NodeView node : view.nodes()) {
				for (PoolView.HeldSeat held : node.held()) {
					assertThat(view.reservations()).as("held seats belong to an open reservation")
						.anyMatch((r) -> r.id().equals(held.reservationId()));
				}
			}
			for (Seat seat : this.live.values()) {
				if (seat.reservationId() != null) {
					Reservation reservation = reservation(seat.reservationId());
					assertThat(this.groups.get(seat.user())).as("only members sit on reserved seats").contains(reservation.group());
					assertThat(seat.cores()).isLessThanOrEqualTo(reservation.seat().cores());
					assertThat(seat.memoryMiB()).isLessThanOrEqualTo(reservation.seat().memoryMiB());
					assertThat(seat.gpuSlots()).isLessThanOrEqualTo(slotsFor(seat.node(), reservation.seat().gpu()));
				}
			}
		}

		/** A member whose open reservation had a held seat the session fits in must get one. */
		private void checkReservedFirst(SessionRequest request, Seat seat, PoolView before) {
			boolean heldForMember = before.reservations().stream()
				.anyMatch((r) -> r.active() && r.held() > 0 && request.groups().contains(r.group())
						&& request.size().fitsWithin(reservation(r.id()).seat()));
			if (heldForMember) {
				assertThat(seat.reservationId()).as("a member takes a held seat first").isNotNull();
			}
		}

		private void checkRefusalIsTrue(SessionRequest request, Duration walltime, Decision.Refused refused,
				PoolView view) {
			UserLimits limits = this.config.limits();
			List<Seat> mine = this.live.values().stream().filter((s) -> s.user().equals(request.user())).toList();
			int myCores = mine.stream().mapToInt(Seat::cores).sum();
			SeatSize size = request.size();
			switch (refused.reason()) {
				case WALLTIME_LIMIT -> assertThat(walltime).isGreaterThan(limits.maxWalltime());
				case SESSION_LIMIT -> assertThat(mine.size()).isGreaterThanOrEqualTo(limits.maxSessions());
				case CORE_LIMIT -> assertThat(myCores + request.cores()).isGreaterThan(limits.maxCores());
				case TOO_LARGE -> assertThat(view.nodes()).noneMatch((node) -> fitsEmpty(node, size));
				case FULL, RESERVATION_NOT_STARTED, RESERVED_FOR_OTHERS -> {
					assertThat(view.nodes()).as("%s, yet a node has room", refused.reason())
						.noneMatch((node) -> fitsFree(node, size));
					assertThat(view.reservations()).as("%s, yet a held seat of the member's class fits", refused.reason())
						.noneMatch((r) -> r.active() && r.held() > 0 && request.groups().contains(r.group())
								&& size.fitsWithin(reservation(r.id()).seat()));
					if (refused.reason() != RefusalReason.RESERVED_FOR_OTHERS) {
						Matcher m = FULL.matcher(refused.message());
						assertThat(m.matches()).as(refused.message()).isTrue();
						int total = view.nodes().stream().mapToInt((node) -> countEmpty(node, size)).sum();
						assertThat(m.group(2)).as("total seats in: " + refused.message()).isEqualTo(Integer.toString(total));
						assertThat(m.group(1)).isEqualTo(m.group(2));
					}
					if (refused.reason() == RefusalReason.RESERVED_FOR_OTHERS) {
						assertThat(view.reservations()).anyMatch((r) -> r.active() && r.held() > 0
								&& !request.groups().contains(r.group()));
					}
					if (refused.reason() == RefusalReason.RESERVATION_NOT_STARTED) {
						assertThat(view.reservations().stream()
							.anyMatch((r) -> !r.active() && request.groups().contains(r.group())
									&& r.start().isAfter(this.now)))
							.as("the member's reservation is still to come").isTrue();
					}
				}
				case DUPLICATE -> fail("no duplicate can arise one call at a time");
				case CLOSED -> fail("no node closes in these streams");
			}
			// Cheaper checks come first in the engine: a session limit beats a full pool, not the reverse.
			if (refused.reason() == RefusalReason.FULL) {
				assertThat(mine.size()).isLessThan(limits.maxSessions());
			}
		}

		// ---- capacities, computed here from the configuration

		private int coreCapacity(NodeCapacity node) {
			return (int) Math.floor(node.cores() * this.config.oversubscription().cpuFactor());
		}

		private long memoryCapacity(NodeCapacity node) {
			return Math.min((long) Math.floor(node.memoryMiB() * this.config.oversubscription().memoryFactor()),
					node.memoryMiB() + node.swapMiB());
		}

		private int slotsPerGpu(NodeCapacity node) {
			if (node.gpus() == 0) {
				return 0;
			}
			GpuSharing sharing = this.config.oversubscription().gpuSharing();
			return (sharing instanceof GpuSharing.PerSession perSession) ? perSession.sessionsPerGpu()
					: (int) (node.gpuMemoryMiB() / ((GpuSharing.MemorySlices) sharing).sliceMiB());
		}

		private int slotsFor(String nodeName, GpuShare share) {
			NodeCapacity node = this.config.nodes().stream().filter((n) -> n.name().equals(nodeName)).findFirst().get();
			return switch (share) {
				case NONE -> 0;
				case SLICE -> 1;
				case WHOLE -> slotsPerGpu(node);
			};
		}

		private boolean fitsFree(PoolView.NodeView node, SeatSize size) {
			NodeCapacity capacity = node.capacity();
			if (size.cores() > capacity.cores() || node.coresInUse() + size.cores() > coreCapacity(capacity)
					|| node.memoryInUseMiB() + size.memoryMiB() > memoryCapacity(capacity)) {
				return false;
			}
			int need = slotsFor(node.name(), size.gpu());
			return size.gpu() == GpuShare.NONE
					|| node.gpus().stream().anyMatch((gpu) -> need > 0 && gpu.used() + gpu.held() + need <= gpu.slots());
		}

		private boolean fitsEmpty(PoolView.NodeView node, SeatSize size) {
			return countEmpty(node, size) > 0;
		}

		private int countEmpty(PoolView.NodeView node, SeatSize size) {
			NodeCapacity capacity = node.capacity();
			if (size.cores() > capacity.cores()) {
				return 0;
			}
			long count = coreCapacity(capacity) / size.cores();
			if (size.memoryMiB() > 0) {
				count = Math.min(count, memoryCapacity(capacity) / size.memoryMiB());
			}
			int slots = slotsPerGpu(capacity);
			if (size.gpu() == GpuShare.SLICE) {
				count = Math.min(count, (long) slots * capacity.gpus());
			}
			else if (size.gpu() == GpuShare.WHOLE) {
				count = Math.min(count, (slots > 0) ? capacity.gpus() : 0);
			}
			return (int) count;
		}

		private Reservation reservation(String id) {
			return this.reservations.get(id);
		}

		// ---- helpers

		@SafeVarargs
		private <T> T pick(T... values) {
			return values[this.random.nextInt(values.length)];
		}

	}
}
