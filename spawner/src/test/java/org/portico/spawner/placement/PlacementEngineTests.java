package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Each rule and each refusal of {@link PlacementEngine}, one at a time. */
class PlacementEngineTests {

	private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

	private static final ZoneId UTC = ZoneId.of("UTC");

	private static final long GIB = 1024;

	/** Two nodes of 8 cores, 64 GiB, 2 GPUs of 80 GiB; CPU ×4, memory ×1.5 with 32 GiB swap, 4 sessions per GPU. */
	private static PoolConfig pool() {
		List<NodeCapacity> nodes = List.of(new NodeCapacity("n1", 8, 64 * GIB, 32 * GIB, 2, 80 * GIB),
				new NodeCapacity("n2", 8, 64 * GIB, 32 * GIB, 2, 80 * GIB));
		return PoolConfig.of(nodes, new Oversubscription(4, 1.5, GpuSharing.sessions(4))).withZone(UTC);
	}

	private static SessionRequest request(String user, int cores, long memoryMiB, GpuShare gpu) {
		return new SessionRequest(user + "/", user, Set.of(), cores, memoryMiB, gpu, null);
	}

	private static SessionRequest member(String user, String group) {
		return new SessionRequest(user + "/", user, Set.of(group), 2, 4 * GIB, GpuShare.SLICE, null);
	}

	private static Seat admitted(Decision decision) {
		assertThat(decision).isInstanceOf(Decision.Admitted.class);
		return ((Decision.Admitted) decision).seat();
	}

	private static Decision.Refused refused(Decision decision) {
		assertThat(decision).isInstanceOf(Decision.Refused.class);
		return (Decision.Refused) decision;
	}

	@Test
	void spreadPutsEachSessionOnTheLeastLoadedGpu() {
		PlacementEngine engine = new PlacementEngine(pool());
		List<String> gpus = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			Seat seat = admitted(engine.place(request("u" + i, 2, 4 * GIB, GpuShare.SLICE), NOW));
			gpus.add(seat.node() + ":" + seat.gpu());
		}
		assertThat(gpus).containsExactlyInAnyOrder("n1:0", "n1:1", "n2:0", "n2:1");
	}

	@Test
	void packFillsOneGpuBeforeTheNext() {
		PlacementEngine engine = new PlacementEngine(pool().withPolicy(SeatPolicy.PACK));
		List<String> gpus = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Seat seat = admitted(engine.place(request("u" + i, 1, GIB, GpuShare.SLICE), NOW));
			gpus.add(seat.node() + ":" + seat.gpu());
		}
		assertThat(gpus.subList(0, 4)).containsOnly(gpus.get(0));
		assertThat(gpus.get(4)).isNotEqualTo(gpus.get(0)).startsWith(gpus.get(0).substring(0, 3));
	}

	@Test
	void aSeatMovesToTheDeviceTheSchedulerBoundItsJobTo() {
		// spread put u0 on n1's GPU 0 and u2 on its GPU 1 (or the other way round); Slurm put both on GPU 0
		PlacementEngine engine = new PlacementEngine(pool());
		List<Seat> seats = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			seats.add(admitted(engine.place(request("u" + i, 1, GIB, GpuShare.SLICE), NOW)));
		}
		Seat onOne = seats.stream().filter((seat) -> seat.node().equals("n1") && seat.gpu() == 1).findFirst().orElseThrow();
		Seat moved = engine.moveGpu(onOne.sessionId(), 0);
		assertThat(moved.gpu()).isZero();
		assertThat(moved.environmentPins()).containsEntry("CUDA_VISIBLE_DEVICES", "0");
		assertThat(engine.seat(onOne.sessionId())).isEqualTo(moved);
		PoolView.NodeView n1 = engine.snapshot().nodes().stream().filter((node) -> node.name().equals("n1")).findFirst().orElseThrow();
		assertThat(n1.gpus()).extracting(PoolView.GpuView::used).containsExactly(2, 0);
		assertThat(n1.coresInUse()).isEqualTo(2);
		// the same move again changes nothing; no such device or no seat: nothing
		assertThat(engine.moveGpu(onOne.sessionId(), 0)).isEqualTo(moved);
		assertThat(engine.moveGpu(onOne.sessionId(), 2)).isNull();
		assertThat(engine.moveGpu("nobody/", 0)).isNull();
		// released from where it is now: the node is back to its other session only
		engine.release(onOne.sessionId());
		n1 = engine.snapshot().nodes().stream().filter((node) -> node.name().equals("n1")).findFirst().orElseThrow();
		assertThat(n1.gpus()).extracting(PoolView.GpuView::used).containsExactly(1, 0);
		assertThat(n1.coresInUse()).isEqualTo(1);
	}

	@Test
	void spreadWithoutGpuBalancesCores() {
		PlacementEngine engine = new PlacementEngine(pool());
		for (int i = 0; i < 6; i++) {
			admitted(engine.place(request("u" + i, 2, GIB, GpuShare.NONE), NOW));
		}
		assertThat(engine.snapshot().nodes()).extracting(PoolView.NodeView::coresInUse).containsExactly(6, 6);
	}

	@Test
	void aSeatCarriesItsSharesAndDefaults() {
		PlacementEngine engine = new PlacementEngine(pool().withMpsLimits(true));
		Seat seat = admitted(engine.place(request("alice", 2, 8 * GIB, GpuShare.SLICE), NOW));
		assertThat(seat.cores()).isEqualTo(2);
		assertThat(seat.memoryMiB()).isEqualTo(8 * GIB);
		assertThat(seat.gpuSlots()).isEqualTo(1);
		assertThat(seat.slotsPerGpu()).isEqualTo(4);
		assertThat(seat.gpuMemoryMiB()).isEqualTo(20 * GIB);
		assertThat(seat.walltime()).isEqualTo(Duration.ofHours(2));
		assertThat(seat.since()).isEqualTo(NOW);
		assertThat(seat.environment(GpuBinding.ENVIRONMENT)).containsEntry("CUDA_VISIBLE_DEVICES", seat.gpu().toString())
			.containsEntry("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "25")
			.containsEntry("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "0=20480M");
		assertThat(engine.seat("alice/")).isEqualTo(seat);
	}

	@Test
	void theQueueIsFullWhenNoSeatOfTheSizeIsLeft() {
		// 2 nodes × 2 GPUs × 4 sessions = 16 slices.
		PlacementEngine engine = new PlacementEngine(pool());
		for (int i = 0; i < 16; i++) {
			admitted(engine.place(request("u" + i, 1, GIB, GpuShare.SLICE), NOW));
		}
		Decision.Refused refusal = refused(engine.place(request("late", 1, GIB, GpuShare.SLICE), NOW));
		assertThat(refusal.reason()).isEqualTo(RefusalReason.FULL);
		assertThat(refusal.message()).isEqualTo("The interactive queue is full: 16 of 16 seats are taken.");
		// Without a GPU there is still room.
		admitted(engine.place(request("cpu", 1, GIB, GpuShare.NONE), NOW));
	}

	@Test
	void coresAreSharedUpToTheirFactor() {
		// 8 cores × 4 = 32 per node, 64 in the pool: 16 sessions of 4 cores.
		PlacementEngine engine = new PlacementEngine(pool());
		for (int i = 0; i < 16; i++) {
			admitted(engine.place(request("u" + i, 4, GIB, GpuShare.NONE), NOW));
		}
		Decision.Refused refusal = refused(engine.place(request("late", 4, GIB, GpuShare.NONE), NOW));
		assertThat(refusal.message()).isEqualTo("The interactive queue is full: 16 of 16 seats are taken.");
	}

	@Test
	void memoryIsStretchedOnlyAsFarAsSwapBacksIt() {
		// 64 GiB × 1.5 = 96 GiB, and 64 + 32 GiB swap = 96 GiB; with 8 GiB swap only 72 GiB.
		List<NodeCapacity> nodes = List.of(NodeCapacity.cpuOnly("n1", 64, 64 * GIB, 8 * GIB));
		PlacementEngine engine = new PlacementEngine(
				PoolConfig.of(nodes, new Oversubscription(1, 1.5, GpuSharing.sessions(1))).withZone(UTC));
		for (int i = 0; i < 9; i++) {
			admitted(engine.place(request("u" + i, 1, 8 * GIB, GpuShare.NONE), NOW));
		}
		Decision.Refused refusal = refused(engine.place(request("late", 1, 8 * GIB, GpuShare.NONE), NOW));
		assertThat(refusal.message()).isEqualTo("The interactive queue is full: 9 of 9 seats are taken.");
		assertThat(engine.snapshot().nodes().get(0).memoryCapacityMiB()).isEqualTo(72 * GIB);
	}

	@Test
	void aWholeGpuNeedsAGpuNobodyUses() {
		PlacementEngine engine = new PlacementEngine(pool());
		Seat whole = admitted(engine.place(request("big", 4, 8 * GIB, GpuShare.WHOLE), NOW));
		assertThat(whole.gpuSlots()).isEqualTo(4);
		assertThat(whole.wholeGpu()).isTrue();
		for (int i = 0; i < 3; i++) {
			Seat slice = admitted(engine.place(request("s" + i, 1, GIB, GpuShare.SLICE), NOW));
			assertThat(slice.node() + slice.gpu()).isNotEqualTo(whole.node() + whole.gpu());
		}
		Decision.Refused refusal = refused(engine.place(request("big2", 4, 8 * GIB, GpuShare.WHOLE), NOW));
		assertThat(refusal.reason()).isEqualTo(RefusalReason.FULL);
		assertThat(refusal.message()).isEqualTo("The interactive queue is full: 4 of 4 seats are taken.");
	}

	@Test
	void oneSessionPerUserNamesTheNode() {
		PlacementEngine engine = new PlacementEngine(pool());
		Seat seat = admitted(engine.place(request("alice", 2, GIB, GpuShare.SLICE), NOW));
		Decision.Refused refusal = refused(
				engine.place(new SessionRequest("alice/second", "alice", Set.of(), 2, GIB, GpuShare.NONE, null), NOW));
		assertThat(refusal.reason()).isEqualTo(RefusalReason.SESSION_LIMIT);
		assertThat(refusal.message())
			.isEqualTo("You already have a session (on node " + seat.node() + "); one per user.");
	}

	@Test
	void severalSessionsPerUserWhenAllowed() {
		PlacementEngine engine = new PlacementEngine(pool().withLimits(new UserLimits(2, Duration.ofHours(24), 64)));
		admitted(engine.place(new SessionRequest("a/1", "alice", Set.of(), 1, GIB, GpuShare.NONE, null), NOW));
		admitted(engine.place(new SessionRequest("a/2", "alice", Set.of(), 1, GIB, GpuShare.NONE, null), NOW));
		Decision.Refused refusal = refused(
				engine.place(new SessionRequest("a/3", "alice", Set.of(), 1, GIB, GpuShare.NONE, null), NOW));
		assertThat(refusal.message()).matches("You already have 2 sessions \\(on nodes n[12], n[12]\\); 2 per user\\.");
	}

	@Test
	void placingTheSameSessionAgainGivesTheSameSeat() {
		PlacementEngine engine = new PlacementEngine(pool());
		Seat first = admitted(engine.place(request("alice", 2, GIB, GpuShare.SLICE), NOW));
		assertThat(admitted(engine.place(request("alice", 2, GIB, GpuShare.SLICE), NOW.plusSeconds(5)))).isSameAs(first);
		assertThatIllegalArgumentException().isThrownBy(
				() -> engine.place(new SessionRequest("alice/", "mallory", Set.of(), 1, GIB, GpuShare.NONE, null), NOW));
	}

	@Test
	void walltimeLimitAndDefault() {
		PlacementEngine engine = new PlacementEngine(pool());
		Decision.Refused refusal = refused(engine.place(
				new SessionRequest("a/", "alice", Set.of(), 2, GIB, GpuShare.NONE, Duration.ofHours(30)), NOW));
		assertThat(refusal.reason()).isEqualTo(RefusalReason.WALLTIME_LIMIT);
		assertThat(refusal.message()).isEqualTo("24 h is the maximum; you asked for 30 h.");
		Seat seat = admitted(engine.place(
				new SessionRequest("a/", "alice", Set.of(), 2, GIB, GpuShare.NONE, Duration.ofHours(24)), NOW));
		assertThat(seat.endsAt()).isEqualTo(NOW.plus(Duration.ofHours(24)));
	}

	@Test
	void coreLimitCountsEverySessionOfTheUser() {
		PlacementEngine engine = new PlacementEngine(pool().withLimits(new UserLimits(3, Duration.ofHours(24), 4)));
		Decision.Refused tooMany = refused(engine.place(request("alice", 6, GIB, GpuShare.NONE), NOW));
		assertThat(tooMany.reason()).isEqualTo(RefusalReason.CORE_LIMIT);
		assertThat(tooMany.message()).isEqualTo("You may use at most 4 cores at a time; you asked for 6.");
		admitted(engine.place(new SessionRequest("a/1", "alice", Set.of(), 2, GIB, GpuShare.NONE, null), NOW));
		Decision.Refused more = refused(
				engine.place(new SessionRequest("a/2", "alice", Set.of(), 4, GIB, GpuShare.NONE, null), NOW));
		assertThat(more.message()).isEqualTo("You may use at most 4 cores at a time; you already use 2 and asked for 4 more.");
	}

	@Test
	void sessionsNoNodeCanHoldAreTooLarge() {
		PlacementEngine engine = new PlacementEngine(pool());
		Decision.Refused cores = refused(engine.place(request("a", 12, GIB, GpuShare.NONE), NOW));
		assertThat(cores.reason()).isEqualTo(RefusalReason.TOO_LARGE);
		assertThat(cores.message()).isEqualTo("No node in this queue has 12 cores; a session can have at most 8.");
		Decision.Refused memory = refused(engine.place(request("b", 1, 100 * GIB, GpuShare.NONE), NOW));
		assertThat(memory.message())
			.isEqualTo("No node in this queue can give 100 GiB of memory; a session can have at most 96 GiB.");
		PlacementEngine cpuOnly = new PlacementEngine(PoolConfig
			.of(List.of(NodeCapacity.cpuOnly("c1", 8, 64 * GIB, 0)), Oversubscription.NONE)
			.withZone(UTC));
		Decision.Refused gpu = refused(cpuOnly.place(request("c", 1, GIB, GpuShare.SLICE), NOW));
		assertThat(gpu.message()).isEqualTo("This queue has no GPUs; start a session without a GPU.");
	}

	@Test
	void releaseGivesTheSeatAndTheUsersClaimBack() {
		PlacementEngine engine = new PlacementEngine(pool());
		for (int i = 0; i < 16; i++) {
			admitted(engine.place(request("u" + i, 1, GIB, GpuShare.SLICE), NOW));
		}
		refused(engine.place(request("late", 1, GIB, GpuShare.SLICE), NOW));
		Seat gone = engine.seat("u7/");
		engine.release("u7/");
		engine.release("u7/");
		engine.release("nobody/");
		Seat seat = admitted(engine.place(request("late", 1, GIB, GpuShare.SLICE), NOW));
		assertThat(seat.node() + seat.gpu()).isEqualTo(gone.node() + gone.gpu());
		admitted(engine.place(new SessionRequest("u7/again", "u7", Set.of(), 1, GIB, GpuShare.NONE, null), NOW));
	}

	@Test
	void snapshotShowsWhoSitsWhere() {
		PlacementEngine engine = new PlacementEngine(pool());
		Seat alice = admitted(engine.place(request("alice", 2, 4 * GIB, GpuShare.SLICE), NOW));
		PoolView view = engine.snapshot();
		assertThat(view.sessions()).isEqualTo(1);
		PoolView.NodeView node = view.nodes().stream().filter((n) -> n.name().equals(alice.node())).findFirst().get();
		assertThat(node.coreCapacity()).isEqualTo(32);
		assertThat(node.coresInUse()).isEqualTo(2);
		assertThat(node.memoryCapacityMiB()).isEqualTo(96 * GIB);
		assertThat(node.memoryInUseMiB()).isEqualTo(4 * GIB);
		assertThat(node.seats()).containsExactly(alice);
		PoolView.GpuView gpu = node.gpus().get(alice.gpu());
		assertThat(gpu.used()).isEqualTo(1);
		assertThat(gpu.free()).isEqualTo(3);
		assertThat(gpu.users()).containsExactly("alice");
	}

	@Test
	void rebuildTakesTheRunningSessionsAsTheyAre() {
		PlacementEngine before = new PlacementEngine(pool());
		List<ExistingSession> running = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			Seat seat = admitted(before.place(request("u" + i, 2, 4 * GIB, GpuShare.SLICE), NOW));
			running.add(ExistingSession.fromStateData(seat.sessionId(), seat.user(), seat.toStateData()));
		}
		PlacementEngine after = new PlacementEngine(pool());
		after.rebuild(running);
		assertThat(after.snapshot().nodes()).usingRecursiveFieldByFieldElementComparator()
			.isEqualTo(before.snapshot().nodes());
		assertThat(refused(after.place(new SessionRequest("u3/b", "u3", Set.of(), 1, GIB, GpuShare.NONE, null), NOW))
			.reason()).isEqualTo(RefusalReason.SESSION_LIMIT);
		for (int i = 0; i < 6; i++) {
			admitted(after.place(request("v" + i, 1, GIB, GpuShare.SLICE), NOW));
		}
		assertThat(refused(after.place(request("w", 1, GIB, GpuShare.SLICE), NOW)).reason()).isEqualTo(RefusalReason.FULL);
		after.release("u0/");
		admitted(after.place(request("w", 1, GIB, GpuShare.SLICE), NOW));
	}

	@Test
	void rebuildKeepsSessionsThatNoLongerFit() {
		PlacementEngine engine = new PlacementEngine(pool());
		engine.rebuild(List.of(
				new ExistingSession("x/", "x", "n1", 0, 4, 40, GIB, NOW, Duration.ofHours(1), null),
				new ExistingSession("y/", "y", "gone-node", null, 0, 2, GIB, NOW, Duration.ofHours(1), null)));
		assertThat(engine.snapshot().nodes().get(0).coresInUse()).isEqualTo(40);
		assertThat(engine.seat("y/")).isNotNull();
		assertThat(refused(engine.place(new SessionRequest("y/2", "y", Set.of(), 1, GIB, GpuShare.NONE, null), NOW))
			.message()).isEqualTo("You already have a session (on node gone-node); one per user.");
		// n1 is over its 32 cores: everything goes to n2.
		for (int i = 0; i < 4; i++) {
			assertThat(admitted(engine.place(request("u" + i, 8, GIB, GpuShare.NONE), NOW)).node()).isEqualTo("n2");
		}
	}

	// ---- reservations

	private static Reservation cs101(int seats, Instant start, Instant end) {
		return new Reservation("cs101-lab", "cs101", seats, new SeatSize(2, 4 * GIB, GpuShare.SLICE), start, end, Set.of());
	}

	@Test
	void membersTakeHeldSeatsAndOthersCannot() {
		PlacementEngine engine = new PlacementEngine(pool());
		engine.reserve(cs101(10, NOW, NOW.plus(Duration.ofHours(2))), NOW);
		assertThat(engine.snapshot().reservations()).singleElement().satisfies((r) -> {
			assertThat(r.held()).isEqualTo(10);
			assertThat(r.active()).isTrue();
		});
		for (int i = 0; i < 6; i++) {
			admitted(engine.place(request("other" + i, 1, GIB, GpuShare.SLICE), NOW));
		}
		Decision.Refused refusal = refused(engine.place(request("other6", 1, GIB, GpuShare.SLICE), NOW));
		assertThat(refusal.reason()).isEqualTo(RefusalReason.RESERVED_FOR_OTHERS);
		assertThat(refusal.message())
			.isEqualTo("Every free seat is reserved for a class: 10 seats are held for group cs101 until 12:00.");
		for (int i = 0; i < 10; i++) {
			Seat seat = admitted(engine.place(member("student" + i, "cs101"), NOW));
			assertThat(seat.reservationId()).isEqualTo("cs101-lab");
		}
		assertThat(engine.snapshot().reservations().get(0).taken()).isEqualTo(10);
		Decision.Refused eleventh = refused(engine.place(member("student10", "cs101"), NOW));
		assertThat(eleventh.reason()).isEqualTo(RefusalReason.FULL);
	}

	@Test
	void aMemberTakesAHeldSeatBeforeAFreeOne() {
		PlacementEngine engine = new PlacementEngine(pool());
		engine.reserve(cs101(2, NOW, NOW.plus(Duration.ofHours(2))), NOW);
		Seat seat = admitted(engine.place(member("student", "cs101"), NOW));
		assertThat(seat.reservationId()).isEqualTo("cs101-lab");
		assertThat(engine.snapshot().reservations().get(0).held()).isEqualTo(1);
	}

	@Test
	void aMemberBeforeTheWindowIsToldWhenItStarts() {
		PlacementEngine engine = new PlacementEngine(pool());
		Instant start = Instant.parse("2026-11-25T10:40:00Z");
		engine.reserve(cs101(4, start, start.plus(Duration.ofHours(2))), NOW);
		for (int i = 0; i < 16; i++) {
			admitted(engine.place(request("u" + i, 1, GIB, GpuShare.SLICE), NOW));
		}
		Decision.Refused refusal = refused(engine.place(member("student", "cs101"), NOW));
		assertThat(refusal.reason()).isEqualTo(RefusalReason.RESERVATION_NOT_STARTED);
		assertThat(refusal.message()).isEqualTo(
				"The interactive queue is full: 16 of 16 seats are taken. Your class reservation starts at 10:40.");
	}

	@Test
	void seatsAreHeldAsSoonAsRoomComesFreeAndReturnAfterTheWindow() {
		PlacementEngine engine = new PlacementEngine(pool());
		for (int i = 0; i < 16; i++) {
			admitted(engine.place(request("u" + i, 1, GIB, GpuShare.SLICE), NOW));
		}
		Instant start = NOW.plus(Duration.ofMinutes(40));
		Instant end = start.plus(Duration.ofHours(1));
		engine.reserve(cs101(2, start, end), NOW);
		engine.advance(start);
		assertThat(engine.snapshot().reservations().get(0).held()).isZero();
		engine.release("u0/");
		assertThat(engine.snapshot().reservations().get(0).held()).isEqualTo(1);
		assertThat(refused(engine.place(request("other", 1, GIB, GpuShare.SLICE), start)).reason())
			.isEqualTo(RefusalReason.RESERVED_FOR_OTHERS);
		Seat seat = admitted(engine.place(member("student", "cs101"), start));
		// The member gives the seat back: it is held again, not free for others.
		engine.release(seat.sessionId());
		assertThat(engine.snapshot().reservations().get(0).held()).isEqualTo(1);
		assertThat(refused(engine.place(request("other", 1, GIB, GpuShare.SLICE), start)).reason())
			.isEqualTo(RefusalReason.RESERVED_FOR_OTHERS);
		engine.advance(end);
		assertThat(engine.snapshot().reservations()).isEmpty();
		assertThat(engine.snapshot().nodes()).allSatisfy((node) -> assertThat(node.held()).isEmpty());
		admitted(engine.place(request("other", 1, GIB, GpuShare.SLICE), end));
	}

	@Test
	void aReservationLimitedToSomeNodesHoldsOnlyThere() {
		PlacementEngine engine = new PlacementEngine(pool());
		engine.reserve(new Reservation("r", "g", 3, new SeatSize(1, GIB, GpuShare.SLICE), NOW, NOW.plusSeconds(3600),
				Set.of("n2")), NOW);
		PoolView view = engine.snapshot();
		assertThat(view.nodes().get(0).held()).isEmpty();
		assertThat(view.nodes().get(1).held()).hasSize(3);
	}

	@Test
	void cancellingAReservationReturnsItsSeats() {
		PlacementEngine engine = new PlacementEngine(pool());
		engine.reserve(cs101(16, NOW, NOW.plus(Duration.ofHours(2))), NOW);
		assertThat(refused(engine.place(request("other", 1, GIB, GpuShare.SLICE), NOW)).reason())
			.isEqualTo(RefusalReason.RESERVED_FOR_OTHERS);
		engine.cancelReservation("cs101-lab");
		admitted(engine.place(request("other", 1, GIB, GpuShare.SLICE), NOW));
	}

	@Test
	void aReservationThatIsOverBeforeItIsSeenHoldsNothing() {
		PlacementEngine engine = new PlacementEngine(pool());
		engine.reserve(cs101(4, NOW.minusSeconds(7200), NOW.minusSeconds(3600)), NOW);
		assertThat(engine.snapshot().reservations()).isEmpty();
		assertThatIllegalArgumentException().isThrownBy(() -> cs101(4, NOW, NOW));
	}

	@Test
	void emptySeatsCountWhatAnEmptyNodeHoldsWhateverIsTakenNow() {
		PlacementEngine engine = new PlacementEngine(pool());
		// a slice seat of 2 cores and 4 GiB: 32 cores / 2 = 16, 96 GiB / 4 = 24, 2 GPUs x 4 slots = 8
		SeatSize slice = new SeatSize(2, 4 * GIB, GpuShare.SLICE);
		assertThat(engine.emptySeats(slice)).containsExactly(java.util.Map.entry("n1", 8), java.util.Map.entry("n2", 8));
		assertThat(engine.emptySeats(new SeatSize(1, 0, GpuShare.NONE))).containsEntry("n1", 32);
		admitted(engine.place(member("ann", "class1"), NOW));
		assertThat(engine.emptySeats(slice)).containsEntry("n1", 8).containsEntry("n2", 8);
		assertThat(engine.emptySeats(new SeatSize(9, 0, GpuShare.NONE))).containsEntry("n1", 0);
	}
}
