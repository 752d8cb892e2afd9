package org.portico.gateway.cull;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;

import static org.assertj.core.api.Assertions.assertThat;

class CullRulesTests {

	static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

	static final CullProperties POLICY = new CullProperties(true, Duration.ofMinutes(1), Duration.ofMinutes(60), Duration.ZERO, true,
			false, Duration.ofHours(8), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(5));

	static ServerRecord running(Instant expires, Instant keep) {
		return new ServerRecord("alice", "", "jupyter", ServerPhase.RUNNING, "local", null, "s", URI.create("http://127.0.0.1:1"), T0,
				null, null, "Running", expires, keep, null, null);
	}

	static CullRules.Decision decide(ServerRecord record, long lastHuman, long lastBusy, KernelState kernels, Instant now,
			CullProperties policy) {
		return CullRules.decide(new CullRules.Inputs(record, lastHuman, lastBusy, kernels, null), now, CullPolicy.of(policy));
	}

	static KernelState idle() {
		return new KernelState(true, false, 1, 0);
	}

	@Test
	void anIdleServerIsCulledWithTheNumbersInItsReason() {
		long human = T0.plusSeconds(180).toEpochMilli();
		CullRules.Decision decision = decide(running(null, null), human, 0, idle(), T0.plus(Duration.ofMinutes(64)), POLICY);
		assertThat(decision.action()).isEqualTo(CullRules.Action.CULL);
		assertThat(decision.reason()).isEqualTo("idle 61 min: no kernel busy, last human action 10:03 UTC");
	}

	@Test
	void aBusyKernelKeepsTheServerAndCountsAsActivityAfterwards() {
		Instant now = T0.plus(Duration.ofHours(3));
		assertThat(decide(running(null, null), 0, 0, new KernelState(true, true, 1, 0), now, POLICY).action())
			.isEqualTo(CullRules.Action.KEEP);
		long busyUntil = now.minus(Duration.ofMinutes(20)).toEpochMilli();
		assertThat(decide(running(null, null), 0, busyUntil, idle(), now, POLICY).action()).isEqualTo(CullRules.Action.KEEP);
		CullRules.Decision later = decide(running(null, null), 0, busyUntil, idle(), now.plus(Duration.ofMinutes(41)), POLICY);
		assertThat(later.action()).isEqualTo(CullRules.Action.CULL);
		assertThat(later.reason()).contains("no kernel busy since 12:40 UTC").contains("no human action since its start at 10:00 UTC");
	}

	@Test
	void withoutAnAnswerFromTheServerNothingIsCulled() {
		assertThat(decide(running(null, null), 0, 0, KernelState.UNKNOWN, T0.plus(Duration.ofHours(5)), POLICY).action())
			.isEqualTo(CullRules.Action.KEEP);
	}

	@Test
	void aPinKeepsAnIdleServerUntilItEnds() {
		Instant now = T0.plus(Duration.ofHours(2));
		assertThat(decide(running(null, now.plusSeconds(60)), 0, 0, idle(), now, POLICY).reason()).startsWith("kept by its owner");
		assertThat(decide(running(null, now.minusSeconds(60)), 0, 0, idle(), now, POLICY).action()).isEqualTo(CullRules.Action.CULL);
	}

	@Test
	void walltimeAndMaximumAgeApplyEvenToBusyOrPinnedServers() {
		Instant end = T0.plus(Duration.ofHours(2));
		KernelState busy = new KernelState(true, true, 1, 0);
		assertThat(decide(running(end, end.plusSeconds(3600)), 0, 0, busy, end, POLICY).reason())
			.isEqualTo("its time limit ended at 12:00 UTC");
		CullRules.Decision warn = decide(running(end, null), 0, 0, busy, end.minus(Duration.ofMinutes(9)), POLICY);
		assertThat(warn.action()).isEqualTo(CullRules.Action.WARN);
		assertThat(warn.reason()).contains("ends at 12:00 UTC, in 9 min");
		CullProperties maxAge = new CullProperties(true, Duration.ofMinutes(1), Duration.ofMinutes(60), Duration.ofHours(24), true,
				false, Duration.ofHours(8), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(5));
		assertThat(decide(running(null, null), 0, 0, busy, T0.plus(Duration.ofHours(24)), maxAge).reason())
			.isEqualTo("it reached the maximum age of 24 h");
	}

	@Test
	void anAbandonedStartIsCancelled() {
		ServerRecord pending = new ServerRecord("alice", "", "jupyter", ServerPhase.PENDING, "slurm", null, "s", null, T0, null, null,
				"queued", null, null, null, null);
		Instant now = T0.plus(Duration.ofMinutes(45));
		long watched = T0.plus(Duration.ofMinutes(10)).toEpochMilli();
		CullRules.Decision decision = CullRules.decide(new CullRules.Inputs(pending, 0, 0, KernelState.NOT_APPLICABLE, watched), now, CullPolicy.of(POLICY));
		assertThat(decision.action()).isEqualTo(CullRules.Action.CULL);
		assertThat(decision.reason()).isEqualTo("abandoned: nobody has followed its start for 35 min");
		long recently = now.minusSeconds(30).toEpochMilli();
		assertThat(CullRules.decide(new CullRules.Inputs(pending, 0, 0, KernelState.NOT_APPLICABLE, recently), now, CullPolicy.of(POLICY)).action())
			.isEqualTo(CullRules.Action.KEEP);
	}

	@Test
	void idleCullingCanBeTurnedOffAndBusyKernelsCanBeIgnored() {
		CullProperties off = new CullProperties(true, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO, true, false,
				Duration.ofHours(8), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(5));
		assertThat(decide(running(null, null), 0, 0, idle(), T0.plus(Duration.ofDays(3)), off).action()).isEqualTo(CullRules.Action.KEEP);
		CullProperties strict = new CullProperties(true, Duration.ofMinutes(1), Duration.ofMinutes(60), Duration.ZERO, false, false,
				Duration.ofHours(8), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(5));
		CullRules.Decision decision = decide(running(null, null), 0, 0, new KernelState(true, true, 1, 0), T0.plus(Duration.ofHours(2)), strict);
		assertThat(decision.action()).isEqualTo(CullRules.Action.CULL);
		assertThat(decision.reason()).contains("kernels not counted");
	}
}
