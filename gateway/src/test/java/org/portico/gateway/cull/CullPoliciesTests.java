package org.portico.gateway.cull;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portico.gateway.batch.ProfileCatalog;
import org.portico.gateway.batch.ProfileProperties;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 6: a profile's culling policy overrides the global one, field by field, for its servers. */
class CullPoliciesTests {

	static ProfileProperties.Profile profile(ProfileProperties.CullOverrides cull) {
		return new ProfileProperties.Profile(null, null, "slurm", null, List.of(), null, 1, null, 0, null, 1, 24, false, true, null,
				cull);
	}

	static CullPolicies policies(Map<String, ProfileProperties.Profile> profiles) {
		return new CullPolicies(CullRulesTests.POLICY, new ProfileCatalog(new ProfileProperties(profiles, null)));
	}

	static ServerRecord server(String profile) {
		return new ServerRecord("alice", "", "jupyter", ServerPhase.RUNNING, "slurm", null, "s", URI.create("http://127.0.0.1:1"),
				CullRulesTests.T0, null, null, "Running", null, null, null, profile);
	}

	@Test
	void aProfileOverridesOnlyWhatItNames() {
		CullPolicies policies = policies(Map.of("small",
				profile(new ProfileProperties.CullOverrides(Duration.ofMinutes(20), null, false, Duration.ofMinutes(2), null)),
				"plain", profile(null)));
		CullPolicy small = policies.of("small");
		assertThat(small.idleTimeout()).isEqualTo(Duration.ofMinutes(20));
		assertThat(small.busyCountsAsActivity()).isFalse();
		assertThat(small.warnBefore()).isEqualTo(Duration.ofMinutes(2));
		// not named: the global values
		assertThat(small.maxAge()).isEqualTo(Duration.ZERO);
		assertThat(small.maxKeep()).isEqualTo(Duration.ofHours(8));
		assertThat(small.pendingAbandon()).isEqualTo(Duration.ofMinutes(30));
		assertThat(policies.of("plain")).isEqualTo(policies.global()).isEqualTo(CullPolicy.of(CullRulesTests.POLICY));
		assertThat(policies.byProfile()).containsOnlyKeys("plain", "small");
	}

	@Test
	void aServerWithoutAProfileOrWithARemovedOneGetsTheGlobalPolicy() {
		CullPolicies policies = policies(Map.of("small",
				profile(new ProfileProperties.CullOverrides(Duration.ofMinutes(20), null, null, null, null))));
		assertThat(policies.of(server(null))).isEqualTo(policies.global());
		assertThat(policies.of(server("gone-since"))).isEqualTo(policies.global());
		assertThat(policies.of(server("small")).idleTimeout()).isEqualTo(Duration.ofMinutes(20));
	}

	@Test
	void theSameIdleServerIsCulledUnderItsProfilesShorterTimeoutOnly() {
		CullPolicies policies = policies(Map.of("small",
				profile(new ProfileProperties.CullOverrides(Duration.ofMinutes(20), null, null, null, null))));
		Instant now = CullRulesTests.T0.plus(Duration.ofMinutes(25));
		KernelState idle = CullRulesTests.idle();
		CullRules.Decision small = CullRules.decide(new CullRules.Inputs(server("small"), 0, 0, idle, null), now,
				policies.of(server("small")));
		assertThat(small.action()).isEqualTo(CullRules.Action.CULL);
		assertThat(small.reason()).isEqualTo("idle 25 min: no kernel busy, no human action since its start at 10:00 UTC");
		CullRules.Decision global = CullRules.decide(new CullRules.Inputs(server(null), 0, 0, idle, null), now,
				policies.of(server(null)));
		assertThat(global.action()).isEqualTo(CullRules.Action.KEEP);
	}

	@Test
	void aProfilesWarnBeforeDecidesWhenItsOwnerIsWarned() {
		CullPolicies policies = policies(Map.of("early",
				profile(new ProfileProperties.CullOverrides(null, null, null, Duration.ofMinutes(30), null))));
		Instant end = CullRulesTests.T0.plus(Duration.ofHours(2));
		ServerRecord early = server("early").withExpiry(end);
		ServerRecord plain = server(null).withExpiry(end);
		Instant now = end.minus(Duration.ofMinutes(25));
		long human = now.minusSeconds(60).toEpochMilli();
		KernelState idle = CullRulesTests.idle();
		assertThat(CullRules.decide(new CullRules.Inputs(early, human, 0, idle, null), now, policies.of(early)).action())
			.isEqualTo(CullRules.Action.WARN);
		assertThat(CullRules.decide(new CullRules.Inputs(plain, human, 0, idle, null), now, policies.of(plain)).action())
			.isEqualTo(CullRules.Action.KEEP);
	}

	@Test
	void aNegativeOverrideStopsTheStartWithThePropertysName() {
		assertThatThrownBy(() -> policies(Map.of("bad",
				profile(new ProfileProperties.CullOverrides(Duration.ofMinutes(-1), null, null, null, null)))))
			.isInstanceOf(IllegalStateException.class)
			.hasMessage("portico.profiles.bad.cull: idle-timeout must not be negative");
	}
}
