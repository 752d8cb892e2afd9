package org.portico.gateway.e2e;

import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6, per-profile policy: a server started with a profile lives by that profile's culling policy
 * (idle timeout, warn-before, max-keep) for its whole life, while a server started without one keeps the
 * global policy. Real Jupyter servers through the local spawner.
 */
@Tag("jupyter")
class ProfileCullingTests {

	static final long IDLE_MS = 30_000;

	@TempDir
	Path data;

	@Test
	void aProfilesOwnPolicyCullsItsServersWhileTheGlobalPolicyKeepsOthers() throws Exception {
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.cull.interval=1s",
				"--portico.cull.idle-timeout=60m", "--portico.cull.warn-before=10m", "--portico.cull.max-keep=8h",
				"--portico.profiles.short.scheduler=local", "--portico.profiles.short.default-hours=0.5",
				"--portico.profiles.short.max-hours=1", "--portico.profiles.short.cull.idle-timeout=" + (IDLE_MS / 1000) + "s",
				"--portico.profiles.short.cull.warn-before=40m", "--portico.profiles.short.cull.max-keep=30m")) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			// bob: no profile, the global policy (60 min idle timeout)
			HubClient bob = CullingTests.user(portico, "bob");
			// alice: profile "short"
			assertThat(admin.post("/hub/api/users/alice", "{}").status()).isEqualTo(201);
			HubClient alice = HubClient.withToken(portico.base(),
					admin.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText());
			assertThat(alice.post("/hub/api/users/alice/server", "{\"profile\": \"short\"}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			pageLoad(alice);
			assertThat(portico.server("alice").profile()).as("the profile is stored with the server").isEqualTo("short");
			assertThat(alice.get("/hub/api/users/alice").json().path("servers").path("").path("user_options").path("profile").asText())
				.isEqualTo("short");
			assertThat(portico.server("bob").profile()).isNull();

			JsonNode culler = admin.get("/hub/api/culler").json();
			assertThat(culler.path("profiles").path("short").path("idleTimeout").asText()).isEqualTo("PT30S");
			assertThat(culler.path("profiles").path("short").path("warnBefore").asText()).isEqualTo("PT40M");
			assertThat(culler.path("profiles").path("short").path("maxKeep").asText()).isEqualTo("PT30M");
			assertThat(culler.path("policy").path("idleTimeout").asText()).isEqualTo("PT1H");

			// warn-before 40 min of a 30 min session: the banner and the home page warn at once; bob's do not
			assertThat(alice.get("/user/alice/custom/custom.js").body()).contains("var warnSeconds = 2400;");
			assertThat(bob.get("/user/bob/custom/custom.js").body()).contains("var warnSeconds = 600;");
			String home = alice.get("/hub/home").body();
			assertThat(home).contains("Save your work, or add time.").contains("It stops after 30 s without activity");
			assertThat(bob.get("/hub/home").body()).doesNotContain("Save your work, or add time.")
				.contains("It stops after 60 min without activity");

			// max-keep 30 min for alice's server, 8 h for bob's
			HubClient.Response tooLong = alice.post("/hub/api/users/alice/server/keep", "{\"hours\": 1}");
			assertThat(tooLong.status()).isEqualTo(400);
			assertThat(tooLong.json().path("message").asText()).contains("at most 30 min ahead");
			assertThat(bob.post("/hub/api/users/bob/server/keep", "{\"hours\": 1}").status()).isEqualTo(200);
			assertThat(bob.delete("/hub/api/users/bob/server/keep").status()).isEqualTo(200);

			// idle for the profile's 30 s after alice's last page load: culled, with the reason; bob's idle server stays
			assertThat(portico.server("alice").phase()).as("a human action keeps it").isEqualTo(ServerPhase.RUNNING);
			long lastHuman = pageLoad(alice);
			RestartTests.waitUntil(Duration.ofSeconds(IDLE_MS / 1000 + 30), () -> portico.server("alice").phase() == ServerPhase.STOPPED);
			assertThat(System.currentTimeMillis() - lastHuman).as("not before the profile's idle timeout").isGreaterThan(IDLE_MS - 1_500);
			assertThat(portico.server("alice").message()).startsWith("Culled: idle");
			assertThat(portico.server("bob").phase()).isEqualTo(ServerPhase.RUNNING);
		}
	}

	/** A page load in Jupyter, a person's action; returns when it was sent. */
	static long pageLoad(HubClient client) {
		long sent = System.currentTimeMillis();
		assertThat(client.get("/user/alice/tree", java.util.Map.of("Accept", "text/html")).status()).isLessThan(400);
		return sent;
	}
}
