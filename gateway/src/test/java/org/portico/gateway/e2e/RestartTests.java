package org.portico.gateway.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Servers outlive the gateway: a restarted gateway re-attaches to them from its database, and a
 * server that dies on its own is noticed within one poll interval.
 */
@Tag("jupyter")
class RestartTests {

	@TempDir
	Path data;

	@Test
	void aRestartedGatewayKeepsARunningServerReachable() throws Exception {
		String token;
		long pid;
		try (PorticoInstance first = PorticoInstance.start(this.data)) {
			HubClient admin = HubClient.withToken(first.base(), PorticoInstance.ADMIN_TOKEN);
			assertThat(admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}").status()).isEqualTo(201);
			token = admin.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText();
			HubClient alice = HubClient.withToken(first.base(), token);
			assertThat(alice.post("/hub/api/users/alice/server", "{}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			pid = Long.parseLong(first.server("alice").state().id());
		}
		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the server outlives the gateway").contains(true);

		try (PorticoInstance second = PorticoInstance.start(this.data)) {
			HubClient alice = HubClient.withToken(second.base(), token);
			waitUntil(Duration.ofSeconds(30), () -> alice.get("/hub/api/users/alice").json().path("server").asText().equals("/user/alice/"));
			assertThat(alice.get("/user/alice/api").status()).isEqualTo(200);
			assertThat(second.server("alice").state().id()).isEqualTo(Long.toString(pid));
			String kernel = alice.post("/user/alice/api/kernels", "{\"name\": \"python3\"}").json().get("id").asText();
			assertThat(alice.execute("alice", kernel, "2**10", java.util.Map.of())).isEqualTo("1024");

			assertThat(alice.delete("/hub/api/users/alice/server").status()).isEqualTo(204);
			assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
		}
	}

	@Test
	void aServerThatDiesIsNoticedWithinAPollIntervalAndTheUserIsToldWhy() throws Exception {
		try (PorticoInstance portico = PorticoInstance.start(this.data)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			assertThat(admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}").status()).isEqualTo(201);
			HubClient bob = new HubClient(portico.base()).login("bob", "bob-password");
			assertThat(bob.post("/hub/api/users/bob/server", "{}").status()).isEqualTo(202);
			assertThat(bob.get("/hub/api/users/bob/server/progress").body()).contains("\"ready\":true");
			long pid = Long.parseLong(portico.server("bob").state().id());

			new ProcessBuilder("kill", "-KILL", "--", "-" + pid).start().waitFor();

			// poll-interval is 2 s in PorticoInstance: allow a few intervals on a busy machine
			waitUntil(Duration.ofSeconds(15), () -> portico.server("bob").phase() == ServerPhase.STOPPED);
			assertThat(portico.server("bob").message()).contains("stopped on its own").contains(Long.toString(pid));
			assertThat(bob.get("/user/bob/api").status()).as("the route is gone").isEqualTo(503);
			assertThat(bob.get("/hub/home").body()).contains("stopped on its own");
			assertThat(bob.get("/hub/api/users/bob").json().path("server_message").asText()).contains("stopped on its own");
		}
	}

	static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("condition not met within " + timeout);
			}
			Thread.sleep(200);
		}
	}
}
