package org.portico.gateway.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6: the gateway, a separate JVM here, is killed with SIGKILL while servers run; the next
 * gateway on the same data folder lists them, reaches them, and has their activity history.
 */
@Tag("jupyter")
class KillNineTests {

	@TempDir
	Path data;

	private final List<Process> gateways = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		this.gateways.forEach(Process::destroyForcibly);
	}

	@Test
	void killNineLosesNoServerAndNoActivity() throws Exception {
		int port = freePort();
		String base = "http://127.0.0.1:" + port;
		Process first = gateway(port, "first");
		HubClient admin = HubClient.withToken(base, PorticoInstance.ADMIN_TOKEN);
		List<String> users = List.of("alice", "bob");
		List<HubClient> clients = new ArrayList<>();
		for (String user : users) {
			assertThat(admin.post("/hub/api/users/" + user, "{}").status()).isEqualTo(201);
			HubClient client = HubClient.withToken(base, admin.post("/hub/api/users/" + user + "/tokens", "{}").json().get("token").asText());
			assertThat(client.post("/hub/api/users/" + user + "/server", "{}").status()).isEqualTo(202);
			clients.add(client);
		}
		for (int i = 0; i < users.size(); i++) {
			assertThat(clients.get(i).get("/hub/api/users/" + users.get(i) + "/server/progress").body()).contains("\"ready\":true");
			// a human action on each server, then time for the gateway to write it down (poll interval 1 s)
			assertThat(clients.get(i).post("/user/" + users.get(i) + "/api/contents", "{\"type\": \"notebook\"}").status()).isEqualTo(201);
		}
		List<String> activity = new ArrayList<>();
		for (int i = 0; i < users.size(); i++) {
			String user = users.get(i);
			HubClient client = clients.get(i);
			RestartTests.waitUntil(Duration.ofSeconds(10),
					() -> !client.get("/hub/api/users/" + user).json().path("servers").path("").path("last_activity").isNull());
			activity.add(client.get("/hub/api/users/" + user).json().path("servers").path("").path("last_activity").asText());
		}

		first.destroyForcibly(); // SIGKILL: no shutdown hook runs
		assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();

		gateway(port, "second");
		for (int i = 0; i < users.size(); i++) {
			String user = users.get(i);
			HubClient client = clients.get(i);
			RestartTests.waitUntil(Duration.ofSeconds(30),
					() -> client.get("/hub/api/users/" + user).json().path("servers").path("").path("ready").asBoolean());
			assertThat(client.get("/user/" + user + "/api/contents").status()).as(user + " reachable").isEqualTo(200);
			String after = client.get("/hub/api/users/" + user).json().path("servers").path("").path("last_activity").asText();
			assertThat(after).as(user + "'s activity history").isGreaterThanOrEqualTo(activity.get(i));
			assertThat(client.delete("/hub/api/users/" + user + "/server").status()).isEqualTo(204);
		}
	}

	/** Starts a gateway JVM from this test's classpath and waits until it answers. */
	private Process gateway(int port, String name) throws Exception {
		Path log = this.data.resolve(name + ".log");
		List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m", "-cp",
				System.getProperty("java.class.path"), "org.portico.gateway.PorticoApplication", "--server.port=" + port,
				"--portico.data-dir=" + this.data.resolve("portico"), "--portico.admin.token=" + PorticoInstance.ADMIN_TOKEN,
				"--portico.admin.password=" + PorticoInstance.ADMIN_PASSWORD, "--portico.spawn.poll-interval=1s");
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		this.gateways.add(process);
		HubClient probe = new HubClient("http://127.0.0.1:" + port);
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (true) {
			try {
				if (probe.get("/hub/api").status() == 200) {
					return process;
				}
			}
			catch (IllegalStateException ex) {
				// not listening yet
			}
			if (!process.isAlive() || System.nanoTime() > deadline) {
				throw new AssertionError("gateway " + name + " did not start:\n" + Files.readString(log));
			}
			Thread.sleep(250);
		}
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}
}
