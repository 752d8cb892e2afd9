package org.portico.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 2, end to end on a real Jupyter server (Debian's notebook 6.4) behind the gateway: log in,
 * start, run code in a kernel over its WebSocket, stay out of other users' servers, never see the
 * server's token, stop, and the process is gone.
 */
@Tag("jupyter")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JupyterEndToEndTests {

	@TempDir
	static Path data;

	static PorticoInstance portico;

	static HubClient admin;

	static HubClient alice;

	static HubClient bob;

	static String bobToken;

	static String kernelId;

	@BeforeAll
	static void start() {
		assertThat(Path.of("/usr/bin/jupyter-notebook")).as("Debian's jupyter-notebook (./portico test installs it)").exists();
		portico = PorticoInstance.start(data);
		admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		assertThat(admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}").status()).isEqualTo(201);
		assertThat(admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}").status()).isEqualTo(201);
		alice = new HubClient(portico.base()).login("alice", "alice-password");
		bob = new HubClient(portico.base()).login("bob", "bob-password");
		bobToken = bob.post("/hub/api/users/bob/tokens", "{\"note\": \"scripts\"}").json().get("token").asText();
	}

	@AfterAll
	static void stop() {
		if (portico != null) {
			ServerRecord record = portico.server("alice");
			if (record != null && record.phase().active()) {
				admin.delete("/hub/api/users/alice/server");
			}
			portico.close();
		}
	}

	@Test
	@Order(1)
	void startsJupyterFromTheHomePageAndFollowsItsProgress() {
		HubClient.Response home = alice.get("/hub/home");
		assertThat(home.status()).isEqualTo(200);
		assertThat(home.body()).contains("Start").contains("Jupyter Notebook");

		HubClient.Response spawn = alice.send("POST", "/hub/spawn",
				HubClient.form(Map.of("app", "jupyter", "_csrf", HubClient.csrf(home.body()))),
				Map.of("Content-Type", "application/x-www-form-urlencoded"));
		assertThat(spawn.status()).as("See Other after a form").isEqualTo(303);
		assertThat(spawn.header("Location")).isEqualTo("/hub/spawn-pending/alice");
		assertThat(alice.get("/hub/spawn-pending/alice").body()).contains("/hub/api/users/alice/server/progress");

		// The event stream completes once the server is ready (bounded by the client's timeout).
		HubClient.Response progress = alice.get("/hub/api/users/alice/server/progress");
		assertThat(progress.status()).isEqualTo(200);
		assertThat(progress.header("Content-Type")).startsWith("text/event-stream");
		assertThat(progress.body()).contains("\"progress\":0").contains("\"ready\":true").contains("\"url\":\"/user/alice/\"");

		HubClient.Response user = alice.get("/hub/api/user");
		assertThat(user.json().path("servers").path("").path("ready").asBoolean()).isTrue();
		assertThat(user.json().path("server").asText()).isEqualTo("/user/alice/");
	}

	@Test
	@Order(2)
	void runsCodeInAKernelThroughTheGateway() throws Exception {
		HubClient.Response redirect = alice.get("/user/alice");
		assertThat(redirect.status()).isEqualTo(302);
		assertThat(redirect.header("Location")).isEqualTo("/user/alice/");

		HubClient.Response tree = alice.get("/user/alice/tree", Map.of("Accept", "text/html"));
		assertThat(tree.status()).isEqualTo(200);
		assertThat(tree.body()).contains("Jupyter");

		HubClient.Response kernel = alice.post("/user/alice/api/kernels", "{\"name\": \"python3\"}");
		assertThat(kernel.status()).as(kernel.body()).isEqualTo(201);
		kernelId = kernel.json().get("id").asText();

		assertThat(alice.execute("alice", kernelId, "1+1", Map.of())).isEqualTo("2");
		// the same with an API token in the query, as WebSocket clients that cannot set headers do
		String aliceToken = alice.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText();
		HubClient script = new HubClient(portico.base());
		LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
		script.openWebSocket("/user/alice/api/kernels/" + kernelId + "/channels?token=" + aliceToken, Map.of(), frames)
			.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "ok").get(10, java.util.concurrent.TimeUnit.SECONDS);
		// and with the token in the Authorization header
		assertThat(HubClient.withToken(portico.base(), aliceToken).execute("alice", kernelId, "6*7", Map.of())).isEqualTo("42");
	}

	@Test
	@Order(3)
	void anotherUserCannotReachTheServerByAnySpelling() throws Exception {
		List<String> paths = List.of("/user/alice/api", "/user/alice/api/kernels", "/user/alice/tree", "/user/%61lice/api",
				"/user/bob/../alice/api", "/user/bob/%2e%2e/alice/api", "/user/bob/%2E%2E/alice/api", "/user//alice/api",
				"/user/bob%2F..%2Falice/api", "/user/bob/..%2Falice/api", "/user/alice%2Fapi", "/user/ALICE/api",
				"/user/bob/./../alice/api", "/user/alice/api/kernels/" + kernelId);
		for (String path : paths) {
			for (HubClient client : List.of(bob, HubClient.withToken(portico.base(), bobToken))) {
				HubClient.Response response = client.get(path);
				assertThat(response.status()).as(path).isIn(400, 403, 404);
				assertThat(response.body()).as(path).doesNotContain("kernelspecs").doesNotContain("\"version\"")
					.doesNotContain(kernelId).doesNotContain("<title>Home");
			}
			HubClient.Response withQueryToken = new HubClient(portico.base()).get(path + "?token=" + bobToken);
			assertThat(withQueryToken.status()).as(path).isIn(400, 403, 404);
		}
		assertThat(bob.post("/user/alice/api/kernels", "{\"name\": \"python3\"}").status()).isEqualTo(403);
		assertThat(new HubClient(portico.base()).get("/user/alice/api").status()).as("no credentials").isEqualTo(403);

		LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
		assertThatThrownBy(() -> bob.openWebSocket("/user/alice/api/kernels/" + kernelId + "/channels", Map.of(), frames))
			.isInstanceOfSatisfying(HubClient.HandshakeRefused.class, (ex) -> assertThat(ex.status).isEqualTo(403));
		assertThatThrownBy(() -> new HubClient(portico.base())
			.openWebSocket("/user/alice/api/kernels/" + kernelId + "/channels?token=" + bobToken, Map.of(), frames))
			.isInstanceOfSatisfying(HubClient.HandshakeRefused.class, (ex) -> assertThat(ex.status).isEqualTo(403));
		assertThat(frames).isEmpty();
		// and Bob's own path has no server behind it
		assertThat(bob.get("/user/bob/api").status()).isEqualTo(503);
	}

	@Test
	@Order(4)
	void crossSiteRequestsAreRefusedEvenWithTheOwnersCookie() throws Exception {
		HubClient.Response post = alice.send("POST", "/user/alice/api/kernels", "{\"name\": \"python3\"}",
				Map.of("Content-Type", "application/json", "Origin", "http://evil.test"));
		assertThat(post.status()).isEqualTo(403);
		assertThatThrownBy(() -> alice.openWebSocket("/user/alice/api/kernels/" + kernelId + "/channels",
				Map.of("Origin", "http://evil.test"), new LinkedBlockingQueue<>()))
			.isInstanceOfSatisfying(HubClient.HandshakeRefused.class, (ex) -> assertThat(ex.status).isEqualTo(403));
		HubClient.Response sameOrigin = alice.send("POST", "/user/alice/api/kernels", "{\"name\": \"python3\"}",
				Map.of("Content-Type", "application/json", "Origin", portico.base()));
		assertThat(sameOrigin.status()).isEqualTo(201);
		assertThat(alice.delete("/user/alice/api/kernels/" + sameOrigin.json().get("id").asText()).status()).isEqualTo(204);
		// a hub API change with the cookie but without the CSRF header is refused
		HubClient.Response noCsrf = alice.send("DELETE", "/hub/api/users/alice/server", null, Map.of("X-XSRF-TOKEN", "wrong"));
		assertThat(noCsrf.status()).isEqualTo(403);
	}

	@Test
	@Order(5)
	void badInputGetsAClearAnswerAndBreaksNothing() {
		assertThat(alice.post("/hub/api/users/alice/server", "{}").status()).as("starting twice").isEqualTo(400);
		assertThat(alice.post("/hub/api/users/alice/server", "{\"app\":").json().get("message").asText()).contains("not valid JSON");
		assertThat(alice.post("/hub/api/users/alice/server", "{\"app\": \"jupyter\", \"cmd\": \"rm -rf ~\"}").json().get("message")
			.asText()).contains("Unknown field 'cmd'");
		assertThat(admin.post("/hub/api/users/nobody/server", "{}").status()).isEqualTo(404);
		assertThat(admin.get("/hub/api/users/nobody").status()).isEqualTo(404);
		for (String name : List.of("a%20b", "a;id", "%24(id)", "..", "a..b", "A", "a%2Fb")) {
			HubClient.Response response = admin.post("/hub/api/users/" + name, "{}");
			assertThat(response.status()).as(name).isIn(400, 404);
		}
		assertThat(admin.post("/hub/api/users/alice", "{}").status()).as("existing user").isEqualTo(409);
		assertThat(admin.post("/hub/api/users/carol", "{\"admin\": \"yes\"}").status()).isEqualTo(400);
		assertThat(admin.post("/hub/api/users/carol", "{\"password\": \"short\"}").status()).isEqualTo(400);
		assertThat(admin.post("/hub/api/users/carol", "[1,2]").status()).isEqualTo(400);
		assertThat(bob.get("/hub/api/users").status()).as("not an admin").isEqualTo(403);
		assertThat(bob.delete("/hub/api/users/alice/server").status()).isEqualTo(403);
		assertThat(bob.delete("/hub/api/users/bob/server").status()).as("stopping what is not running").isEqualTo(400);
		assertThat(admin.delete("/hub/api/users/alice").status()).as("user with a running server").isEqualTo(400);
		// and the server is untouched by all of that
		assertThat(alice.get("/user/alice/api").status()).isEqualTo(200);
	}

	@Test
	@Order(6)
	void theServersTokenNeverReachedAnyClient() {
		String secret = portico.server("alice").secret();
		assertThat(secret).isNotBlank();
		for (HubClient client : List.of(alice, bob, admin)) {
			assertThat(client.transcript()).isNotEmpty().doesNotContain(secret);
		}
		HubClient.Response api = alice.get("/hub/api/users/alice");
		assertThat(api.body()).doesNotContain(secret);
	}

	@Test
	@Order(7)
	void stoppingEndsTheServerProcessAndItsKernels() throws Exception {
		ServerRecord running = portico.server("alice");
		long pid = Long.parseLong(running.state().id());
		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

		assertThat(alice.delete("/hub/api/users/alice/server").status()).isEqualTo(204);

		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
		assertThat(processGroup(pid)).as("no kernel or other child is left").isEmpty();
		assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.STOPPED);
		assertThat(alice.get("/user/alice/api").status()).isEqualTo(503);
		assertThat(alice.delete("/hub/api/users/alice/server").status()).as("stopping twice").isEqualTo(400);
	}

	/** Live members of a process group, from /proc. */
	static List<Long> processGroup(long pgid) throws Exception {
		try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
			List<Long> members = new java.util.ArrayList<>();
			for (Path dir : dirs) {
				String stat;
				try {
					stat = Files.readString(dir.resolve("stat"));
				}
				catch (java.io.IOException ex) {
					continue;
				}
				String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
				if (!"Z".equals(fields[0]) && Long.parseLong(fields[2]) == pgid) {
					members.add(Long.parseLong(dir.getFileName().toString()));
				}
			}
			return members;
		}
	}
}
