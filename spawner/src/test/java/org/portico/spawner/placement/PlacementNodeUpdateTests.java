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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link PlacementEngine#updateNodes}: the scheduler's nodes read anew while sessions run (issue 4, live
 * pools). One rule at a time, then random streams of starts, stops and node changes with the invariants
 * after every step, then placements racing a shrink.
 */
class PlacementNodeUpdateTests {

	private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

	private static final long GIB = 1024;

	private static NodeCapacity node(String name, int cores) {
		return new NodeCapacity(name, cores, 64 * GIB, 0, 2, 80 * GIB);
	}

	private static NodeReport open(NodeCapacity capacity) {
		return new NodeReport(capacity, "idle", true, List.of());
	}

	private static NodeReport closed(NodeCapacity capacity, String state) {
		return new NodeReport(capacity, state, false, List.of());
	}

	private static PlacementEngine engine(NodeCapacity... nodes) {
		return new PlacementEngine(PoolConfig.of(List.of(nodes), new Oversubscription(1, 1, GpuSharing.sessions(2)))
			.withZone(ZoneId.of("UTC"))
			.withLimits(new UserLimits(4, Duration.ofHours(24), Integer.MAX_VALUE)));
	}

	private static SessionRequest request(String id, int cores, GpuShare gpu) {
		return new SessionRequest(id, id.split("/")[0], Set.of(), cores, 0, gpu, null);
	}

	private static Seat admitted(Decision decision) {
		assertThat(decision).isInstanceOf(Decision.Admitted.class);
		return ((Decision.Admitted) decision).seat();
	}

	private static Decision.Refused refused(Decision decision) {
		assertThat(decision).isInstanceOf(Decision.Refused.class);
		return (Decision.Refused) decision;
	}

	private static PoolView.NodeView view(PlacementEngine engine, String name) {
		return engine.snapshot().nodes().stream().filter((n) -> n.name().equals(name)).findFirst().orElseThrow();
	}

	@Test
	void aClosedNodeTakesNoNewSeatButKeepsItsSessionsAndOpensAgain() {
		NodeCapacity n1 = node("n1", 8);
		PlacementEngine engine = engine(n1);
		Seat running = admitted(engine.place(request("a/", 2, GpuShare.SLICE), NOW));

		assertThat(engine.updateNodes(List.of(closed(n1, "queue all.q@n1 state d"))))
			.containsExactly("n1 closed (queue all.q@n1 state d)");
		Decision.Refused refusal = refused(engine.place(request("b/", 2, GpuShare.NONE), NOW));
		assertThat(refusal.reason()).isEqualTo(RefusalReason.CLOSED);
		assertThat(refusal.message()).isEqualTo("No node of this queue takes new sessions now (n1: queue all.q@n1 state d); "
				+ "running sessions go on. Try again later.");
		assertThat(engine.seat("a/")).isEqualTo(running);
		assertThat(view(engine, "n1").open()).isFalse();
		assertThat(view(engine, "n1").coresInUse()).isEqualTo(2);

		assertThat(engine.updateNodes(List.of(open(n1)))).containsExactly("n1 open again");
		assertThat(view(engine, "n1").coresInUse()).as("the running session still counts").isEqualTo(2);
		admitted(engine.place(request("b/", 6, GpuShare.NONE), NOW));
		assertThat(refused(engine.place(request("c/", 1, GpuShare.NONE), NOW)).reason()).isEqualTo(RefusalReason.FULL);
		engine.release("a/");
		assertThat(view(engine, "n1").coresInUse()).isEqualTo(6);
	}

	@Test
	void theSameListingChangesNothing() {
		NodeCapacity n1 = node("n1", 8);
		PlacementEngine engine = engine(n1);
		assertThat(engine.updateNodes(List.of(open(n1)))).isEmpty();
	}

	@Test
	void aShrunkNodeIsNotOverFilledAndAGrownOneTakesTheExtra() {
		PlacementEngine engine = engine(node("n1", 8));
		admitted(engine.place(request("a/", 4, GpuShare.NONE), NOW));
		admitted(engine.place(request("b/", 2, GpuShare.NONE), NOW));

		engine.updateNodes(List.of(open(node("n1", 4))));
		assertThat(view(engine, "n1").coresInUse()).as("sessions keep their seats beyond the new size").isEqualTo(6);
		assertThat(refused(engine.place(request("c/", 1, GpuShare.NONE), NOW)).reason()).isEqualTo(RefusalReason.FULL);
		engine.release("a/");
		admitted(engine.place(request("c/", 2, GpuShare.NONE), NOW));
		assertThat(refused(engine.place(request("d/", 1, GpuShare.NONE), NOW)).reason()).isEqualTo(RefusalReason.FULL);

		engine.updateNodes(List.of(open(node("n1", 12))));
		admitted(engine.place(request("d/", 8, GpuShare.NONE), NOW));
		assertThat(view(engine, "n1").coresInUse()).isEqualTo(12);
	}

	@Test
	void aVanishedNodeKeepsCountingItsSessionsUntilTheyEndThenGoes() {
		PlacementEngine engine = engine(node("n1", 8), node("n2", 8));
		Seat onN2 = null;
		for (int i = 0; onN2 == null && i < 8; i++) {
			Seat seat = admitted(engine.place(request("u" + i + "/", 1, GpuShare.NONE), NOW));
			onN2 = seat.node().equals("n2") ? seat : null;
		}
		assertThat(onN2).as("spread puts a session on n2").isNotNull();
		assertThat(engine.updateNodes(List.of(open(node("n1", 8))))).containsExactly("n2 gone (sessions keep running)");
		assertThat(view(engine, "n2").open()).isFalse();
		assertThat(view(engine, "n2").state()).isEqualTo("gone");
		for (int i = 0; i < 16; i++) {
			Decision decision = engine.place(request("v" + i + "/", 1, GpuShare.NONE), NOW);
			if (decision instanceof Decision.Admitted a) {
				assertThat(a.seat().node()).isEqualTo("n1");
			}
		}
		engine.release(onN2.sessionId());
		engine.updateNodes(List.of(open(node("n1", 8))));
		assertThat(engine.snapshot().nodes()).extracting(PoolView.NodeView::name).containsExactly("n1");

		engine.updateNodes(List.of(open(node("n1", 8)), open(node("n3", 4))));
		assertThat(admitted(engine.place(request("w/", 4, GpuShare.NONE), NOW)).node()).as("a new node takes seats at once")
			.isEqualTo("n3");
	}

	@Test
	void heldSeatsOfAClosedNodeAreHeldElsewhere() {
		NodeCapacity n1 = node("n1", 8);
		NodeCapacity n2 = node("n2", 8);
		PlacementEngine engine = engine(n1, n2);
		engine.reserve(new Reservation("r1", "class", 2, new SeatSize(2, 0, GpuShare.SLICE), NOW.minusSeconds(60),
				NOW.plusSeconds(3600), Set.of()), NOW);
		assertThat(engine.snapshot().reservations()).singleElement().satisfies((r) -> assertThat(r.held()).isEqualTo(2));
		assertThat(engine.updateNodes(List.of(closed(n1, "drain"), open(n2)))).contains("n1 closed (drain)");
		assertThat(view(engine, "n1").held()).isEmpty();
		assertThat(view(engine, "n2").held()).hasSize(2);
		assertThat(engine.snapshot().reservations()).singleElement().satisfies((r) -> assertThat(r.held()).isEqualTo(2));
	}

	@Test
	void aGpuThatWentAwayTakesNoNewSeatButItsSessionsAreReleased() {
		PlacementEngine engine = engine(node("n1", 8));
		List<Seat> seats = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			seats.add(admitted(engine.place(request("u" + i + "/", 1, GpuShare.SLICE), NOW)));
		}
		engine.updateNodes(List.of(open(new NodeCapacity("n1", 8, 64 * GIB, 0, 1, 80 * GIB))));
		seats.forEach((seat) -> engine.release(seat.sessionId()));
		for (int i = 0; i < 2; i++) {
			assertThat(admitted(engine.place(request("v" + i + "/", 1, GpuShare.SLICE), NOW)).gpu()).isZero();
		}
		assertThat(refused(engine.place(request("w/", 1, GpuShare.SLICE), NOW)).reason()).isEqualTo(RefusalReason.FULL);
		engine.updateNodes(List.of(open(new NodeCapacity("n1", 8, 64 * GIB, 0, 3, 80 * GIB))));
		assertThat(admitted(engine.place(request("w/", 1, GpuShare.SLICE), NOW)).gpu()).isIn(1, 2);
	}

	@Test
	void aBadListingChangesNothing() {
		PlacementEngine engine = engine(node("n1", 8));
		assertThatIllegalArgumentException().isThrownBy(() -> engine.updateNodes(List.of(open(node("n2", 8)), open(node("n2", 4)))))
			.withMessageContaining("listed twice");
		assertThat(engine.snapshot().nodes()).extracting(PoolView.NodeView::name).containsExactly("n1");
	}

	// ---- random streams

	/**
	 * Random pools and streams of starts, stops and node changes (shrink, grow, close, reopen, vanish,
	 * appear). After every step: the engine's seats are the admitted, unreleased ones; each node counts
	 * exactly its sessions; and every admission left its node within the node's capacity at that moment,
	 * on an open node. Each seed is one case; a failure names it.
	 */
	@Test
	void invariantsHoldWhileNodesChange() {
		Map<String, Integer> outcomes = new HashMap<>();
		for (long seed = 0; seed < 300; seed++) {
			try {
				randomCase(seed, outcomes);
			}
			catch (AssertionError ex) {
				throw new AssertionError("seed " + seed + ": " + ex.getMessage(), ex);
			}
		}
		assertThat(outcomes).as("outcomes over all seeds: %s", outcomes).containsKeys("ADMITTED", "FULL", "CLOSED", "update");
	}

	private static void randomCase(long seed, Map<String, Integer> outcomes) {
		Random random = new Random(seed);
		double factor = new double[] { 1, 1.5, 2, 4 }[random.nextInt(4)];
		int slots = 1 + random.nextInt(4);
		Oversubscription over = new Oversubscription(factor, 1, GpuSharing.sessions(slots));
		Map<String, NodeReport> listing = new LinkedHashMap<>();
		int count = 1 + random.nextInt(4);
		for (int i = 0; i < count; i++) {
			listing.put("n" + i, open(randomNode(random, "n" + i)));
		}
		PlacementEngine engine = new PlacementEngine(new PoolConfig(listing.values().stream().map(NodeReport::capacity).toList(),
				over, random.nextBoolean() ? SeatPolicy.SPREAD : SeatPolicy.PACK,
				new UserLimits(3, Duration.ofHours(24), Integer.MAX_VALUE), Duration.ofHours(2), false, Duration.ZERO,
				ZoneId.of("UTC"), List.of()));
		Map<String, Seat> live = new LinkedHashMap<>();
		for (int step = 0; step < 200; step++) {
			int op = random.nextInt(10);
			if (op < 5) {
				String user = "u" + random.nextInt(12);
				SessionRequest request = new SessionRequest(user + "/" + random.nextInt(3), user, Set.of(),
						1 + random.nextInt(6), 0, new GpuShare[] { GpuShare.NONE, GpuShare.SLICE, GpuShare.WHOLE }[random.nextInt(3)],
						null);
				Decision decision = engine.place(request, NOW);
				if (decision instanceof Decision.Admitted a) {
					if (live.containsKey(request.sessionId())) {
						continue;
					}
					Seat seat = a.seat();
					live.put(seat.sessionId(), seat);
					outcomes.merge("ADMITTED", 1, Integer::sum);
					PoolView.NodeView node = engine.snapshot().nodes().stream().filter((n) -> n.name().equals(seat.node()))
						.findFirst().orElseThrow();
					assertThat(node.open()).as("admitted on an open node").isTrue();
					assertThat(listing.get(seat.node()).usable()).isTrue();
					NodeCapacity capacity = listing.get(seat.node()).capacity();
					assertThat(node.coresInUse()).as("cores of %s after an admission", seat.node())
						.isLessThanOrEqualTo(over.coreCapacity(capacity));
					for (PoolView.GpuView gpu : node.gpus()) {
						if (gpu.index() < capacity.gpus()) {
							assertThat(gpu.used()).isLessThanOrEqualTo(over.slotsPerGpu(capacity));
						}
					}
					if (seat.gpu() != null) {
						assertThat(seat.gpu()).isLessThan(capacity.gpus());
					}
				}
				else {
					Decision.Refused refused = (Decision.Refused) decision;
					outcomes.merge(refused.reason().name(), 1, Integer::sum);
					if (refused.reason() == RefusalReason.CLOSED) {
						assertThat(listing.values()).as("CLOSED, yet an open node could hold it").noneMatch((r) -> r.usable()
								&& fitsEmpty(over, r.capacity(), request));
					}
				}
			}
			else if (op < 8) {
				if (!live.isEmpty()) {
					List<String> ids = new ArrayList<>(live.keySet());
					String id = ids.get(random.nextInt(ids.size()));
					engine.release(id);
					live.remove(id);
				}
			}
			else {
				changeListing(random, listing);
				engine.updateNodes(List.copyOf(listing.values()));
				outcomes.merge("update", 1, Integer::sum);
			}
			check(engine, live);
		}
	}

	private static NodeCapacity randomNode(Random random, String name) {
		int gpus = random.nextInt(3);
		return new NodeCapacity(name, 1 + random.nextInt(16), 64 * GIB, 0, gpus, (gpus > 0) ? 40 * GIB : 0);
	}

	private static void changeListing(Random random, Map<String, NodeReport> listing) {
		String name = "n" + random.nextInt(5);
		NodeReport current = listing.get(name);
		switch (random.nextInt(4)) {
			case 0 -> listing.put(name, open(randomNode(random, name)));
			case 1 -> listing.remove(name);
			case 2 -> {
				if (current != null) {
					listing.put(name, closed(current.capacity(), "down"));
				}
			}
			default -> {
				if (current != null) {
					listing.put(name, open(current.capacity()));
				}
			}
		}
	}

	private static boolean fitsEmpty(Oversubscription over, NodeCapacity capacity, SessionRequest request) {
		if (request.cores() > capacity.cores() || request.cores() > over.coreCapacity(capacity)) {
			return false;
		}
		return request.gpu() == GpuShare.NONE || capacity.gpus() > 0;
	}

	private static void check(PlacementEngine engine, Map<String, Seat> live) {
		PoolView view = engine.snapshot();
		Map<String, Seat> seated = new HashMap<>();
		Map<String, Integer> coresByNode = new HashMap<>();
		for (Seat seat : live.values()) {
			coresByNode.merge(seat.node(), seat.cores(), Integer::sum);
		}
		for (PoolView.NodeView node : view.nodes()) {
			for (Seat seat : node.seats()) {
				assertThat(seated.put(seat.sessionId(), seat)).as("one seat per session").isNull();
			}
			assertThat(node.coresInUse()).as("cores counted on %s", node.name())
				.isEqualTo(coresByNode.getOrDefault(node.name(), 0));
		}
		assertThat(seated).as("every running session is on a node of the pool").isEqualTo(live);
	}

	// ---- racing a shrink

	@Test
	@Timeout(60)
	void placementsRacingAShrinkNeverOverFillTheNewSize() throws Exception {
		for (int round = 0; round < 50; round++) {
			PlacementEngine engine = new PlacementEngine(PoolConfig.of(List.of(NodeCapacity.cpuOnly("n1", 1_000_000, 0, 0)),
					new Oversubscription(1, 1, GpuSharing.sessions(1))).withLimits(new UserLimits(1, Duration.ofHours(24), 64)));
			int threads = 4;
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			CountDownLatch go = new CountDownLatch(1);
			AtomicBoolean stop = new AtomicBoolean();
			AtomicInteger ids = new AtomicInteger();
			List<Future<?>> placers = new ArrayList<>();
			try {
				for (int t = 0; t < threads; t++) {
					placers.add(pool.submit(() -> {
						go.await();
						while (!stop.get()) {
							int id = ids.incrementAndGet();
							engine.place(new SessionRequest("u" + id + "/", "u" + id, Set.of(), 1, 0, GpuShare.NONE, null), NOW);
						}
						return null;
					}));
				}
				go.countDown();
				Thread.yield();
				engine.updateNodes(List.of(open(NodeCapacity.cpuOnly("n1", 8, 0, 0))));
				int atUpdate = engine.snapshot().nodes().get(0).coresInUse();
				Thread.sleep(2);
				stop.set(true);
				for (Future<?> placer : placers) {
					placer.get(10, TimeUnit.SECONDS);
				}
				int atEnd = engine.snapshot().nodes().get(0).coresInUse();
				// after the shrink only the new size admits: nothing more beyond 8, whatever came before
				assertThat(atEnd).as("round %d: %d cores when the shrink returned", round, atUpdate)
					.isEqualTo(Math.max(atUpdate, Math.min(atEnd, 8)));
				assertThat(atEnd).isLessThanOrEqualTo(Math.max(atUpdate, 8));
			}
			finally {
				stop.set(true);
				pool.shutdownNow();
				assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
			}
		}
	}
}
