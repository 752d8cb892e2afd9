package org.portico.gateway.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6's walltime: a server started for 36 s (0.01 h) shows its time left, serves the warning
 * banner inside Jupyter, can be extended within the maximum, warns its owner, and stops when its
 * time is up, saying why.
 */
@Tag("jupyter")
class WalltimeTests {

	@TempDir
	Path data;

	@Test
	void aServerWarnsBeforeItsTimeEndsCanBeExtendedAndStopsWhenItEnds() throws Exception {
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.cull.interval=1s", "--portico.cull.warn-before=30s",
				"--portico.spawn.max-hours=0.02", "--portico.cull.max-keep=2h")) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");

			for (String bad : new String[] { "-1", "0", "1000", "\"two\"", "1e400" }) {
				HubClient.Response refused = alice.post("/hub/api/users/alice/server", "{\"hours\": " + bad + "}");
				assertThat(refused.status()).as(bad).isEqualTo(400);
			}
			assertThat(alice.post("/hub/api/users/alice/server", "{\"hours\": 0.01}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");

			JsonNode server = alice.get("/hub/api/users/alice").json().path("servers").path("");
			Instant expires = Instant.parse(server.path("expires_at").asText());
			assertThat(server.path("time_remaining").asLong()).isBetween(1L, 36L);
			assertThat(alice.get("/hub/home").body()).contains("Time left:").contains("Add 1 hour");

			HubClient.Response banner = alice.get("/user/alice/custom/custom.js");
			assertThat(banner.status()).isEqualTo(200);
			assertThat(banner.header("Content-Type")).startsWith("application/javascript");
			assertThat(banner.body()).contains("Your server stops in").contains("var warnSeconds = 30;");

			JsonNode extended = alice.post("/hub/api/users/alice/server/extend", "{\"hours\": 0.005}").json();
			assertThat(Instant.parse(extended.path("expires_at").asText())).isEqualTo(expires.plusSeconds(18));
			HubClient.Response tooLong = alice.post("/hub/api/users/alice/server/extend", "{\"hours\": 0.01}");
			assertThat(tooLong.status()).isEqualTo(400);
			assertThat(tooLong.json().path("message").asText()).contains("at most 0.02 h");

			assertThat(alice.post("/hub/api/users/alice/server/keep", "{\"hours\": 3}").status()).as("beyond max-keep").isEqualTo(400);
			JsonNode kept = alice.post("/hub/api/users/alice/server/keep", "{\"hours\": 1}").json();
			assertThat(kept.path("keep_until").isNull()).isFalse();

			// A pin keeps a server from idle culling, not past its time limit: it stops at 54 s, saying why.
			RestartTests.waitUntil(Duration.ofSeconds(70), () -> portico.server("alice").phase() == ServerPhase.STOPPED);
			assertThat(Instant.now()).isAfterOrEqualTo(expires.plusSeconds(18));
			assertThat(portico.server("alice").message()).startsWith("Culled: its time limit ended at");
			String home = alice.get("/hub/home").body();
			assertThat(home).contains("walltime-warning: Save your work: its time limit ends at").contains("Culled: its time limit ended");
		}
	}
}
