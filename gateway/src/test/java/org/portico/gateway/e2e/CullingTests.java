package org.portico.gateway.e2e;

import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6 on a real Jupyter, with a 12 s idle timeout and a 1 s sweep: a kernel that computes
 * with no browser attached is kept past the timeout and culled once it has finished and nobody
 * acted; a client that only polls and sends heartbeats does not keep a server alive.
 */
@Tag("jupyter")
class CullingTests {

	// Seconds-scale timeouts stand in for minutes; 12 s leaves room for a kernel's start-up on a loaded machine.
	static final long IDLE_MS = 12_000;

	@TempDir
	Path data;

	@Test
	void aBusyKernelIsNeverCulledAndAnIdleServerIsCulledWithItsReason() throws Exception {
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.cull.interval=1s",
				"--portico.cull.idle-timeout=" + (IDLE_MS / 1000) + "s")) {
			HubClient alice = user(portico, "alice");
			String kernel = alice.post("/user/alice/api/kernels", "{\"name\": \"python3\"}").json().get("id").asText();
			// Start the kernel first (on a loaded machine that alone can take longer than the test's idle timeout),
			// so that the computation below begins within moments of being sent.
			assertThat(alice.execute("alice", kernel, "1", Map.of())).isEqualTo("1");
			// Send a long computation and walk away: no browser, no traffic while it runs.
			LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
			WebSocket socket = alice.openWebSocket("/user/alice/api/kernels/" + kernel + "/channels?session_id=s1", Map.of(), frames);
			socket.sendText(executeRequest("import time; time.sleep(20)"), true).get(10, TimeUnit.SECONDS);
			// wait until the computation itself has begun (not the server's own kernel_info exchange)
			RestartTests.waitUntil(Duration.ofSeconds(20), () -> frames.stream().anyMatch(CullingTests::executionBusy));
			socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
			long sent = System.currentTimeMillis();

			Thread.sleep(IDLE_MS + 4_000);
			assertThat(portico.server("alice").phase()).as("busy past the idle timeout, not culled").isEqualTo(ServerPhase.RUNNING);

			// 20 s of computing + 12 s idle + sweeps: culled within a bounded wait, with the reason recorded
			RestartTests.waitUntil(Duration.ofSeconds(40), () -> portico.server("alice").phase() == ServerPhase.STOPPED);
			long culledAfter = System.currentTimeMillis() - sent;
			assertThat(culledAfter).as("not before the computation ended plus the idle timeout").isGreaterThan(20_000 + IDLE_MS - 1_500);
			String message = portico.server("alice").message();
			assertThat(message).startsWith("Culled: idle").contains("no kernel busy since").contains("last human action");
			assertThat(alice.get("/hub/home").body()).contains("Culled: idle");
			assertThat(alice.get("/hub/api/users/alice").json().path("server_message").asText()).startsWith("Culled: idle");
		}
	}

	/** Whether a kernel frame is the busy status of an execute_request. */
	static boolean executionBusy(String frame) {
		try {
			com.fasterxml.jackson.databind.JsonNode message = new com.fasterxml.jackson.databind.ObjectMapper().readTree(frame);
			return "busy".equals(message.path("content").path("execution_state").asText())
					&& "execute_request".equals(message.path("parent_header").path("msg_type").asText());
		}
		catch (java.io.IOException ex) {
			return false;
		}
	}

	static HubClient user(PorticoInstance portico, String name) {
		HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		assertThat(admin.post("/hub/api/users/" + name, "{}").status()).isEqualTo(201);
		String token = admin.post("/hub/api/users/" + name + "/tokens", "{}").json().get("token").asText();
		HubClient client = HubClient.withToken(portico.base(), token);
		assertThat(client.post("/hub/api/users/" + name + "/server", "{}").status()).isEqualTo(202);
		assertThat(client.get("/hub/api/users/" + name + "/server/progress").body()).contains("\"ready\":true");
		return client;
	}

	static String executeRequest(String code) {
		return message("execute_request", "{\"code\": \"" + code + "\", \"silent\": false, \"store_history\": true, "
				+ "\"user_expressions\": {}, \"allow_stdin\": false, \"stop_on_error\": true}");
	}

	static String message(String type, String content) {
		return "{\"header\": {\"msg_id\": \"" + UUID.randomUUID() + "\", \"username\": \"t\", \"session\": \"s\", \"msg_type\": \""
				+ type + "\", \"version\": \"5.3\"}, \"parent_header\": {}, \"metadata\": {}, \"content\": " + content
				+ ", \"channel\": \"shell\", \"buffers\": []}";
	}
}
