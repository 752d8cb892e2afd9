package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many starts in the same instant: no double booking, exactly the capacity admitted, every refusal true.
 * Every wait is bounded.
 */
class PlacementConcurrencyTests {

	private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int THREADS = 200;

	private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

	@AfterEach
	void stop() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
	}

	/** 4 nodes of 16 cores with 2 GPUs of 4 sessions each: 32 GPU seats, 64 cores, no oversubscription of cores. */
	private static PoolConfig smallPool() {
		List<NodeCapacity> nodes = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			nodes.add(new NodeCapacity("n" + i, 16, 64 * 1024, 0, 2, 80 * 1024));
		}
		return PoolConfig.of(nodes, new Oversubscription(1, 1, GpuSharing.sessions(4))).withZone(ZoneId.of("UTC"));
	}

	private <T> List<T> all(List<Callable<T>> tasks, CountDownLatch go) throws Exception {
		List<Future<T>> futures = new ArrayList<>();
		for (Callable<T> task : tasks) {
			futures.add(this.pool.submit(task));
		}
		go.countDown();
		List<T> results = new ArrayList<>();
		long deadline = System.nanoTime() + WAIT.toNanos();
		for (Future<T> future : futures) {
			results.add(future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
		}
		return results;
	}

	@Test
	void twoHundredStartsAtOnceFillExactlyTheSeats() throws Exception {
		for (int round = 0; round < 20; round++) {
			PlacementEngine engine = new PlacementEngine(smallPool());
			CountDownLatch ready = new CountDownLatch(THREADS);
			CountDownLatch go = new CountDownLatch(1);
			List<Callable<Decision>> tasks = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				String user = "student" + i;
				tasks.add(() -> {
					ready.countDown();
					go.await(WAIT.toSeconds(), TimeUnit.SECONDS);
					return engine.place(new SessionRequest(user + "/", user, Set.of(), 1, 1024, GpuShare.SLICE, null), NOW);
				});
			}
			List<Future<Decision>> futures = new ArrayList<>();
			for (Callable<Decision> task : tasks) {
				futures.add(this.pool.submit(task));
			}
			assertThat(ready.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			go.countDown();
			List<Seat> seats = new ArrayList<>();
			List<Decision.Refused> refusals = new ArrayList<>();
			for (Future<Decision> future : futures) {
				Decision decision = future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
				if (decision instanceof Decision.Admitted admitted) {
					seats.add(admitted.seat());
				}
				else {
					refusals.add((Decision.Refused) decision);
				}
			}
			assertThat(seats).as("round %d", round).hasSize(32);
			assertThat(refusals).hasSize(THREADS - 32)
				.allSatisfy((refusal) -> {
					assertThat(refusal.reason()).isEqualTo(RefusalReason.FULL);
					assertThat(refusal.message()).isEqualTo("The interactive queue is full: 32 of 32 seats are taken.");
				});
			Map<String, Integer> perGpu = new HashMap<>();
			for (Seat seat : seats) {
				perGpu.merge(seat.node() + ":" + seat.gpu(), seat.gpuSlots(), Integer::sum);
			}
			assertThat(perGpu).hasSize(8).allSatisfy((gpu, slots) -> assertThat(slots).isEqualTo(4));
			PoolView view = engine.snapshot();
			assertThat(view.sessions()).isEqualTo(32);
			assertThat(view.nodes()).allSatisfy((node) -> {
				assertThat(node.coresInUse()).isEqualTo(8);
				assertThat(node.gpus()).allSatisfy((gpu) -> assertThat(gpu.free()).isZero());
			});
		}
	}

	@Test
	void oneUserStartingManySessionsAtOnceGetsOne() throws Exception {
		PlacementEngine engine = new PlacementEngine(smallPool());
		CountDownLatch go = new CountDownLatch(1);
		List<Callable<Decision>> tasks = new ArrayList<>();
		for (int i = 0; i < THREADS; i++) {
			String id = "alice/" + i;
			tasks.add(() -> {
				go.await(WAIT.toSeconds(), TimeUnit.SECONDS);
				return engine.place(new SessionRequest(id, "alice", Set.of(), 1, 1024, GpuShare.NONE, null), NOW);
			});
		}
		List<Decision> decisions = all(tasks, go);
		assertThat(decisions).filteredOn(Decision.Admitted.class::isInstance).hasSize(1);
		assertThat(decisions).filteredOn(Decision.Refused.class::isInstance)
			.allSatisfy((d) -> assertThat(((Decision.Refused) d).reason()).isEqualTo(RefusalReason.SESSION_LIMIT));
		assertThat(engine.snapshot().sessions()).isEqualTo(1);
	}

	@Test
	void startsAndStopsRacingWithAReservationLeaveNothingBehind() throws Exception {
		PoolConfig config = smallPool().withLimits(new UserLimits(2, Duration.ofHours(24), 64));
		PlacementEngine engine = new PlacementEngine(config);
		engine.reserve(new Reservation("lab", "cs101", 6, new SeatSize(1, 1024, GpuShare.SLICE), NOW,
				NOW.plus(Duration.ofHours(1)), Set.of()), NOW);
		AtomicBoolean stop = new AtomicBoolean();
		CountDownLatch go = new CountDownLatch(1);
		List<Callable<Integer>> tasks = new ArrayList<>();
		int workers = 16;
		for (int w = 0; w < workers; w++) {
			String user = "u" + w;
			Set<String> groups = (w % 2 == 0) ? Set.of("cs101") : Set.of();
			tasks.add(() -> {
				go.await(WAIT.toSeconds(), TimeUnit.SECONDS);
				ThreadLocalRandom random = ThreadLocalRandom.current();
				int admitted = 0;
				List<String> mine = new ArrayList<>();
				for (int i = 0; i < 4000 && !stop.get(); i++) {
					if (mine.isEmpty() || random.nextBoolean()) {
						String id = user + "/" + i;
						GpuShare gpu = GpuShare.values()[random.nextInt(3)];
						Decision decision = engine.place(new SessionRequest(id, user, groups, 1 + random.nextInt(4),
								random.nextInt(8) * 1024L, gpu, null), NOW);
						if (decision instanceof Decision.Admitted) {
							mine.add(id);
							admitted++;
						}
					}
					else {
						engine.release(mine.remove(random.nextInt(mine.size())));
					}
				}
				mine.forEach(engine::release);
				return admitted;
			});
		}
		List<Integer> admitted = all(tasks, go);
		stop.set(true);
		assertThat(admitted.stream().mapToInt(Integer::intValue).sum()).isPositive();
		PoolView view = engine.snapshot();
		assertThat(view.sessions()).isZero();
		assertThat(view.reservations()).singleElement().satisfies((r) -> {
			assertThat(r.taken()).isZero();
			assertThat(r.held()).isEqualTo(6);
		});
		Set<String> heldOn = new HashSet<>();
		for (PoolView.NodeView node : view.nodes()) {
			int heldCores = node.held().stream().mapToInt(PoolView.HeldSeat::cores).sum();
			assertThat(node.coresInUse()).as("only held seats remain on %s", node.name()).isEqualTo(heldCores);
			node.held().forEach((held) -> heldOn.add(node.name()));
		}
		assertThat(heldOn).isNotEmpty();
		engine.cancelReservation("lab");
		assertThat(engine.snapshot().nodes()).allSatisfy((node) -> {
			assertThat(node.coresInUse()).isZero();
			assertThat(node.memoryInUseMiB()).isZero();
			assertThat(node.gpus()).allSatisfy((gpu) -> assertThat(gpu.free()).isEqualTo(gpu.slots()));
		});
	}
}
