package org.portico.gateway.cull;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.portico.gateway.batch.ProfileCatalog;
import org.portico.gateway.batch.ProfileProperties;
import org.portico.gateway.lifecycle.ActivityTracker;
import org.portico.gateway.route.Route;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;

/**
 * A culling sweep's decisions over 10,000 active servers from memory: each server's activity
 * clocks and its profile's policy are read and {@link CullRules} applied (kernel probes are the servers' own I/O and are
 * not part of it). Run with {@code ./portico microbench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CullSweepBenchmark {

	@Param("10000")
	int servers;

	final List<ServerRecord> records = new ArrayList<>();

	static final String[] PROFILES = { "small", "gpu", "long", null };

	final ActivityTracker activity = new ActivityTracker();

	final CullProperties policy = new CullProperties(true, Duration.ofMinutes(1), Duration.ofMinutes(60), Duration.ofHours(24), true,
			false, Duration.ofHours(8), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(5));

	final Instant now = Instant.parse("2026-11-25T12:00:00Z");

	/** Three profiles with policies of their own, and servers without a profile: the lookup a real sweep does. */
	final CullPolicies policies = new CullPolicies(this.policy, new ProfileCatalog(new ProfileProperties(Map.of(
			"small", profile(Duration.ofMinutes(20)), "gpu", profile(Duration.ofMinutes(30)), "long", profile(Duration.ofHours(4))),
			null)));

	static ProfileProperties.Profile profile(Duration idle) {
		return new ProfileProperties.Profile(null, null, "slurm", null, List.of(), null, 1, null, 0, null, 1, 24, false, true, null,
				new ProfileProperties.CullOverrides(idle, null, null, Duration.ofMinutes(15), Duration.ofHours(2)));
	}

	@Setup
	public void setUp() {
		for (int i = 0; i < this.servers; i++) {
			Instant started = this.now.minus(Duration.ofMinutes(i % 600));
			ServerRecord record = new ServerRecord("u" + i, "", "jupyter", ServerPhase.RUNNING, "slurm", null, "s",
					URI.create("http://n" + (i % 1000) + ":8888"), started, null, null, "Running", started.plus(Duration.ofHours(2)), null,
					null, PROFILES[i % PROFILES.length]);
			this.records.add(record);
			this.activity.record(new Route("/user/u" + i + "/", record.target(), "u" + i, "", null), i % 3 == 0);
		}
	}

	@Benchmark
	public void sweep(Blackhole sink) {
		for (ServerRecord record : this.records) {
			ActivityTracker.Clocks clocks = this.activity.of("/user/" + record.user() + "/");
			long human = (clocks != null) ? clocks.human() : 0;
			sink.consume(CullRules.decide(new CullRules.Inputs(record, human, 0, KernelState.NOT_APPLICABLE, null), this.now,
					this.policies.of(record)));
		}
	}
}
