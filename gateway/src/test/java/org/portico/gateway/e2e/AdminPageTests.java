package org.portico.gateway.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 4, visibility: the admin page shows each pool as the placement engine holds it, per node and GPU
 * (slots used, who sits there), and every running server with its seat; in headless Chromium. The
 * figures on the page are checked against the seats the API reports, the Stop button stops the user's
 * server, and a user who is no admin gets 403 and no link.
 */
@Tag("browser")
class AdminPageTests {

	@TempDir
	Path data;

	@Test
	void theAdminSeesWhoSitsOnWhichGpuAndStopsAServer() throws Exception {
		// one virtual node, 4 cores, 2 GPUs of 2 slots: three seats of a slice each
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.placement.pools.lab.source=config",
				"--portico.placement.pools.lab.sessions-per-gpu=2", "--portico.placement.pools.lab.gpu-binding=environment",
				"--portico.placement.pools.lab.nodes[0].name=vnode1", "--portico.placement.pools.lab.nodes[0].cores=4",
				"--portico.placement.pools.lab.nodes[0].memory-mib=8192", "--portico.placement.pools.lab.nodes[0].gpus=2",
				"--portico.profiles.lab.display-name=Lab GPU slice", "--portico.profiles.lab.scheduler=local",
				"--portico.profiles.lab.cores=1", "--portico.profiles.lab.gres=shard:1", "--portico.profiles.lab.pool=lab",
				"--portico.profiles.lab.max-hours=2", "--portico.apps.web.display-name=Web",
				"--portico.apps.web.auth=none", "--portico.apps.web.command[0]=/usr/bin/python3", "--portico.apps.web.command[1]=-m",
				"--portico.apps.web.command[2]=http.server", "--portico.apps.web.command[3]=--bind",
				"--portico.apps.web.command[4]={host}", "--portico.apps.web.command[5]={port}")) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			List<String> users = List.of("alice", "bob", "carol");
			Map<String, JsonNode> seats = new HashMap<>();
			for (String user : users) {
				assertThat(admin.post("/hub/api/users/" + user, "{\"password\": \"" + user + "-password\"}").status()).isEqualTo(201);
				HubClient.Response started = admin.post("/hub/api/users/" + user + "/server", "{\"profile\": \"lab\", \"app\": \"web\"}");
				assertThat(started.status()).as(started.body()).isEqualTo(202);
			}
			for (String user : users) {
				awaitPhase(portico, user, ServerPhase.RUNNING);
				seats.put(user, admin.get("/hub/api/users/" + user).json().path("servers").path("").path("placement"));
			}

			JsonNode seen = BrowserTests.node("admin-pool.mjs", portico.base(), "admin", PorticoInstance.ADMIN_PASSWORD, "lab", "alice",
					"bob", "bob-password", BrowserTests.ARTIFACTS.resolve("admin").toString());
			System.out.println("admin page: " + seen);

			assertThat(seen.path("status").asInt()).isEqualTo(200);
			assertThat(seen.path("adminLink").asBoolean()).isTrue();
			assertThat(seen.path("summary").asText()).contains("3 sessions", "cores 3 of 4 in use", "GPU slots 3 of 4 in use");
			// per GPU, what the page shows is what the seats say
			Map<String, Integer> expected = new HashMap<>();
			seats.values().forEach((seat) -> expected.merge(seat.path("gpu").asText(), 1, Integer::sum));
			JsonNode node = seen.path("gpus").get(0);
			assertThat(node.path("node").asText()).isEqualTo("vnode1");
			Map<String, Integer> shown = new HashMap<>();
			for (JsonNode gpu : node.path("gpus")) {
				if (gpu.path("used").asInt() > 0) {
					shown.put(gpu.path("gpu").asText(), gpu.path("used").asInt());
				}
			}
			assertThat(shown).isEqualTo(expected);
			seats.forEach((user, seat) -> assertThat(node.path("gpus").get(seat.path("gpu").asInt()).path("text").asText())
				.as(user).contains(user));
			// the servers list: each user's row with the seat's words
			Map<String, String> rows = new HashMap<>();
			seen.path("servers").forEach((row) -> rows.put(row.path("id").asText(), row.path("cells").toString()));
			for (String user : users) {
				assertThat(rows.get("server-" + user)).as(rows.toString()).contains("running", "node vnode1, GPU " + seats.get(user).path("gpu").asText());
			}

			assertThat(seen.path("notice").asText()).isEqualTo("Stopping alice's server.");
			awaitPhase(portico, "alice", ServerPhase.STOPPED);
			assertThat(portico.server("alice").message()).isEqualTo("Stopped by admin admin");
			assertThat(admin.get("/hub/api/placement").json().path("pools").path("lab").path("sessions").asInt()).isEqualTo(2);
			assertThat(portico.server("bob").phase()).isEqualTo(ServerPhase.RUNNING);

			assertThat(seen.path("otherStatus").asInt()).isEqualTo(403);
			assertThat(seen.path("otherAdminLink").asBoolean()).isFalse();
			for (String user : List.of("bob", "carol")) {
				assertThat(admin.delete("/hub/api/users/" + user + "/server").status()).isIn(202, 204);
			}
		}
	}

	private static void awaitPhase(PorticoInstance portico, String user, ServerPhase phase) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
		while (Instant.now().isBefore(deadline) && (portico.server(user) == null || portico.server(user).phase() != phase)) {
			Thread.sleep(200);
		}
		assertThat(portico.server(user).phase()).as(user + ": " + portico.server(user).message()).isEqualTo(phase);
	}
}
