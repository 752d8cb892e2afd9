package org.portico.gateway.e2e;

import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portico.gateway.e2e.CullingTests.IDLE_MS;
import static org.portico.gateway.e2e.CullingTests.message;
import static org.portico.gateway.e2e.CullingTests.user;

/**
 * Issue 6: a client that only polls and sends kernel heartbeats does not keep a server alive (its
 * own class: each gateway test class runs in a JVM of its own, as a gateway does in production).
 */
@Tag("jupyter")
class HeartbeatCullingTests {

	@TempDir
	Path data;

	@Test
	void heartbeatsAndStatusPollsDoNotKeepAServerAlive() throws Exception {
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.cull.interval=1s",
				"--portico.cull.idle-timeout=" + (IDLE_MS / 1000) + "s")) {
			HubClient bob = user(portico, "bob");
			String kernel = bob.post("/user/bob/api/kernels", "{\"name\": \"python3\"}").json().get("id").asText();
			long lastHuman = System.currentTimeMillis();
			LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
			WebSocket socket = bob.openWebSocket("/user/bob/api/kernels/" + kernel + "/channels?session_id=s2", Map.of(), frames);
			// A forgotten tab: status polls and kernel_info heartbeats every second, nothing else.
			long deadline = lastHuman + 40_000;
			long culledAt = 0;
			while (System.currentTimeMillis() < deadline) {
				if (portico.server("bob").phase() == ServerPhase.STOPPED) {
					culledAt = System.currentTimeMillis();
					break;
				}
				bob.get("/user/bob/api/status");
				bob.get("/user/bob/api/kernels");
				socket.sendText(message("kernel_info_request", "{}"), true);
				Thread.sleep(1_000);
			}
			assertThat(culledAt).as("culled while the client kept polling").isPositive();
			assertThat(culledAt - lastHuman).as("on time: after the idle timeout, within a few sweeps")
				.isBetween(IDLE_MS - 500, IDLE_MS + 15_000);
			assertThat(portico.server("bob").message()).startsWith("Culled: idle");
		}
	}

}
