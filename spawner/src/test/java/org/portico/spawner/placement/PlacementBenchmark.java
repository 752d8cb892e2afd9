package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Places 10,000 sessions on a pool of 1,000 TSUBAME4-like nodes (192 cores, 768 GiB, 4 GPUs of 94 GiB)
 * and reports decisions per second and the latency of one decision. Not a test: a {@code main} to run by
 * hand, for example after {@code mvn -pl spawner -am test-compile}:
 *
 * <pre>
 * java -Dlogback.configurationFile=spawner/target/test-classes/placement/logback-benchmark.xml \
 *   -cp "spawner/target/test-classes:spawner/target/classes:$(cat classpath.txt)" \
 *   org.portico.spawner.placement.PlacementBenchmark
 * </pre>
 *
 * where {@code classpath.txt} comes from {@code mvn -pl spawner dependency:build-classpath
 * -Dmdep.includeScope=test -Dmdep.outputFile=classpath.txt}. Latency is measured with
 * {@code System.nanoTime()} around each {@code place} call, after warm-up rounds on fresh engines.
 */
public final class PlacementBenchmark {

	private static final int NODES = 1_000;

	private static final int SESSIONS = 10_000;

	private static final long GIB = 1024;

	private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

	private PlacementBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 5;
		System.out.printf(Locale.ROOT, "pool: %d nodes x (192 cores, 768 GiB + 384 GiB swap, 4 GPUs of 94 GiB); "
				+ "CPU x4, memory x1.5, 8 sessions per GPU; %d sessions of 2 cores, 8 GiB, 1 GPU slice%n", NODES, SESSIONS);
		System.out.printf(Locale.ROOT, "JVM %s, %d processors%n", Runtime.version(), Runtime.getRuntime().availableProcessors());
		for (SeatPolicy policy : SeatPolicy.values()) {
			for (int i = 0; i < 3; i++) {
				sequential(policy); // warm-up
			}
			for (int i = 0; i < rounds; i++) {
				System.out.println("sequential " + policy + ": " + sequential(policy));
			}
		}
		for (int threads : new int[] { 2, 8, 64 }) {
			for (int i = 0; i < 2; i++) {
				concurrent(threads); // warm-up
			}
			for (int i = 0; i < rounds; i++) {
				System.out.println("concurrent SPREAD, " + threads + " threads: " + concurrent(threads));
			}
		}
		for (int i = 0; i < rounds; i++) {
			System.out.println("refusal on a full pool: " + refusals());
		}
	}

	private static PoolConfig pool(SeatPolicy policy) {
		List<NodeCapacity> nodes = new ArrayList<>(NODES);
		for (int i = 0; i < NODES; i++) {
			nodes.add(new NodeCapacity(String.format(Locale.ROOT, "r%02dn%03d", i / 100, i % 100), 192, 768 * GIB,
					384 * GIB, 4, 94 * GIB));
		}
		return PoolConfig.of(nodes, new Oversubscription(4, 1.5, GpuSharing.sessions(8)))
			.withPolicy(policy)
			.withMpsLimits(true);
	}

	private static SessionRequest request(int i) {
		return new SessionRequest("user" + i + "/", "user" + i, Set.of(), 2, 8 * GIB, GpuShare.SLICE, Duration.ofHours(2));
	}

	private static String sequential(SeatPolicy policy) {
		PlacementEngine engine = new PlacementEngine(pool(policy));
		long[] latencies = new long[SESSIONS];
		long start = System.nanoTime();
		for (int i = 0; i < SESSIONS; i++) {
			long t0 = System.nanoTime();
			Decision decision = engine.place(request(i), NOW);
			latencies[i] = System.nanoTime() - t0;
			if (!(decision instanceof Decision.Admitted)) {
				throw new IllegalStateException("session " + i + " refused: " + decision);
			}
		}
		return summary(SESSIONS, System.nanoTime() - start, latencies);
	}

	private static String concurrent(int threads) throws Exception {
		PlacementEngine engine = new PlacementEngine(pool(SeatPolicy.SPREAD));
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch go = new CountDownLatch(1);
			int perThread = SESSIONS / threads;
			long[] latencies = new long[perThread * threads];
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int first = t * perThread;
				futures.add(executor.submit(() -> {
					go.await();
					for (int i = first; i < first + perThread; i++) {
						long t0 = System.nanoTime();
						Decision decision = engine.place(request(i), NOW);
						latencies[i] = System.nanoTime() - t0;
						if (!(decision instanceof Decision.Admitted)) {
							throw new IllegalStateException("session " + i + " refused: " + decision);
						}
					}
					return null;
				}));
			}
			long start = System.nanoTime();
			go.countDown();
			for (Future<?> future : futures) {
				future.get(5, TimeUnit.MINUTES);
			}
			long elapsed = System.nanoTime() - start;
			if (engine.snapshot().sessions() != latencies.length) {
				throw new IllegalStateException("seated " + engine.snapshot().sessions() + " of " + latencies.length);
			}
			return summary(latencies.length, elapsed, latencies);
		}
		finally {
			executor.shutdownNow();
		}
	}

	/** Fills a pool with whole-GPU sessions, then times refusals (the path that also counts seats). */
	private static String refusals() {
		PlacementEngine engine = new PlacementEngine(pool(SeatPolicy.SPREAD));
		for (int i = 0; i < NODES * 4; i++) {
			engine.place(new SessionRequest("big" + i + "/", "big" + i, Set.of(), 2, 8 * GIB, GpuShare.WHOLE, null), NOW);
		}
		int n = 2_000;
		long[] latencies = new long[n];
		long start = System.nanoTime();
		for (int i = 0; i < n; i++) {
			long t0 = System.nanoTime();
			Decision decision = engine.place(request(i), NOW);
			latencies[i] = System.nanoTime() - t0;
			if (!(decision instanceof Decision.Refused refused) || refused.reason() != RefusalReason.FULL) {
				throw new IllegalStateException("expected FULL, got " + decision);
			}
		}
		return summary(n, System.nanoTime() - start, latencies);
	}

	private static String summary(int decisions, long elapsedNanos, long[] latencies) {
		long[] sorted = latencies.clone();
		Arrays.sort(sorted);
		return String.format(Locale.ROOT, "%d decisions in %.1f ms = %.0f decisions/s; latency p50 %.1f us, p99 %.1f us, max %.1f us",
				decisions, elapsedNanos / 1e6, decisions / (elapsedNanos / 1e9), percentile(sorted, 0.50) / 1e3,
				percentile(sorted, 0.99) / 1e3, sorted[sorted.length - 1] / 1e3);
	}

	private static long percentile(long[] sorted, double p) {
		return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
	}
}
