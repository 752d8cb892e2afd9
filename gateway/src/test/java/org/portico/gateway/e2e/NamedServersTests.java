package org.portico.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7, its side-by-side part: JupyterHub's named servers. A user runs the default server at
 * {@code /user/NAME/} and named ones at {@code /user/NAME/SERVER/} at the same time, each its own
 * process with its own route; the named prefix wins over the default one, a stripped prefix is the
 * named server's whole prefix, stopping one leaves the others, another user reaches none, names are
 * checked before anything starts, the per-user limit holds, and a restart re-attaches them all.
 *
 * <p>The servers are a few lines of Python that answer with their app's tag and the path they were
 * sent, so each assertion shows which process answered and what it saw.
 */
class NamedServersTests {

	/** An HTTP server that answers every GET with {@code TAG PATH}, the tag being its first argument. */
	private static final String ECHO = "import sys, http.server as h\\n"
			+ "class H(h.BaseHTTPRequestHandler):\\n"
			+ "  def do_GET(self):\\n"
			+ "    body = (sys.argv[1] + ' ' + self.path).encode()\\n"
			+ "    self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()\\n"
			+ "    self.wfile.write(body)\\n"
			+ "  def log_message(self, *args): pass\\n"
			+ "h.ThreadingHTTPServer((sys.argv[2], int(sys.argv[3])), H).serve_forever()\\n";

	@TempDir
	Path data;

	@TempDir
	Path apps;

	@Test
	void aUsersServersRunSideBySideEachRoutedStoppedAndReattachedOnItsOwn() throws Exception {
		Files.writeString(this.apps.resolve("keep.yaml"), descriptor("keep", "keep"));
		Files.writeString(this.apps.resolve("strip.yaml"), descriptor("strip", "strip"));
		String[] args = { "--portico.apps-dir=" + this.apps, "--portico.spawn.named-servers-limit=2" };
		String token;
		long defaultPid;
		long thirdPid;
		try (PorticoInstance portico = PorticoInstance.start(this.data, args)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}");
			token = admin.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText();
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");
			HubClient bob = new HubClient(portico.base()).login("bob", "bob-password");

			// the default server (keeps its prefix) and a named one of another app (strips it), at the same time
			HubClient.Response main = alice.post("/hub/api/users/alice/server", "{\"app\": \"keep\"}");
			assertThat(main.status()).as(main.body()).isEqualTo(202);
			HubClient.Response side = alice.post("/hub/api/users/alice/servers/side", "{\"app\": \"strip\"}");
			assertThat(side.status()).as(side.body()).isEqualTo(202);
			assertThat(side.json().path("name").asText()).isEqualTo("side");
			assertThat(side.json().path("url").asText()).isEqualTo("/user/alice/side/");
			assertThat(side.json().path("progress_url").asText()).isEqualTo("/hub/api/users/alice/servers/side/progress");
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/hub/api/users/alice/servers/side/progress").body()).contains("\"ready\":true")
				.contains("/user/alice/side/");

			// each prefix reaches its own process, with the path that app expects
			assertThat(alice.get("/user/alice/x?y=1").body()).isEqualTo("keep /user/alice/x?y=1");
			assertThat(alice.get("/user/alice/side/x?y=1").body()).isEqualTo("strip /x?y=1");
			assertThat(alice.get("/user/alice/side/").body()).isEqualTo("strip /");
			HubClient.Response bare = alice.get("/user/alice/side?y=1");
			assertThat(bare.status()).as("a named server's bare prefix").isEqualTo(302);
			assertThat(bare.headers().get("location")).containsExactly("/user/alice/side/?y=1");
			assertThat(alice.get("/user/alice/x").body()).as("no slash added where no route is").isEqualTo("keep /user/alice/x");
			assertThat(alice.get("/user/alice/sidewalk/x").body()).as("a prefix is whole segments").isEqualTo("keep /user/alice/sidewalk/x");
			assertThat(portico.server("alice", "side").state().id()).isNotEqualTo(portico.server("alice", "").state().id());

			JsonNode model = alice.get("/hub/api/users/alice").json();
			assertThat(names(model.path("servers"))).containsExactlyInAnyOrder("", "side");
			assertThat(model.path("servers").path("side").path("ready").asBoolean()).isTrue();
			assertThat(model.path("servers").path("side").path("user_options").path("app").asText()).isEqualTo("strip");
			assertThat(model.path("servers").path("").path("url").asText()).isEqualTo("/user/alice/");
			assertThat(model.path("server").asText()).isEqualTo("/user/alice/");

			// another user reaches neither, and cannot start or stop one for alice
			for (String path : List.of("/user/alice/x", "/user/alice/side/x", "/user/alice/side/")) {
				HubClient.Response stolen = bob.get(path);
				assertThat(stolen.status()).as(path).isEqualTo(403);
				assertThat(stolen.body()).doesNotContain("keep /").doesNotContain("strip /");
			}
			assertThat(bob.post("/hub/api/users/alice/servers/mine", "{\"app\": \"strip\"}").status()).isEqualTo(403);
			assertThat(bob.delete("/hub/api/users/alice/servers/side").status()).isEqualTo(403);
			assertThat(new HubClient(portico.base()).get("/user/alice/side/x").body()).doesNotContain("strip /");

			// invalid and reserved names: 400 with the rule, and nothing started
			for (String name : List.of("Side", "a.b", "-x", "a%20b", "abcdefghijklmnopqrstuvwxyz0123456", "api", "lab", "tree",
					"notebooks", "files", "static", "terminals", "logout")) {
				HubClient.Response refused = alice.post("/hub/api/users/alice/servers/" + name, "{\"app\": \"strip\"}");
				assertThat(refused.status()).as(name + ": " + refused.body()).isEqualTo(400);
				assertThat(refused.json().path("message").asText()).as(name).containsAnyOf("A server name has", "is taken by");
			}
			assertThat(portico.server("alice", "api")).isNull();
			assertThat(portico.server("alice", "lab")).isNull();

			// the limit (2 here): a second named server starts, a third is refused before anything runs
			assertThat(alice.post("/hub/api/users/alice/servers/third", "{\"app\": \"keep\"}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/servers/third/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/user/alice/third/x").body()).as("a named server that keeps its prefix")
				.isEqualTo("keep /user/alice/third/x");
			HubClient.Response over = alice.post("/hub/api/users/alice/servers/fourth", "{\"app\": \"strip\"}");
			assertThat(over.status()).as(over.body()).isEqualTo(400);
			assertThat(over.json().path("message").asText()).contains("maximum of 2 named servers");
			assertThat(portico.server("alice", "fourth")).isNull();

			// stopping one leaves the others running and routed
			long sidePid = Long.parseLong(portico.server("alice", "side").state().id());
			assertThat(alice.delete("/hub/api/users/alice/servers/side").status()).isEqualTo(204);
			assertThat(portico.server("alice", "side").phase()).isEqualTo(ServerPhase.STOPPED);
			assertThat(ProcessHandle.of(sidePid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
			assertThat(alice.get("/user/alice/x").body()).isEqualTo("keep /user/alice/x");
			assertThat(alice.get("/user/alice/third/x").body()).isEqualTo("keep /user/alice/third/x");
			// a page of the stopped one leads to its start, not to the default server
			HubClient.Response page = alice.get("/user/alice/side/", Map.of("Accept", "text/html"));
			assertThat(page.status()).isIn(302, 303);
			assertThat(page.headers().get("location").get(0)).startsWith("/hub/spawn?server=side&next=");
			assertThat(names(alice.get("/hub/api/users/alice").json().path("servers"))).containsExactlyInAnyOrder("", "third");
			// a stopped server no longer counts against the limit
			assertThat(alice.post("/hub/api/users/alice/servers/side", "{\"app\": \"strip\"}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/servers/side/progress").body()).contains("\"ready\":true");
			assertThat(alice.delete("/hub/api/users/alice/servers/side").status()).isEqualTo(204);

			defaultPid = Long.parseLong(portico.server("alice", "").state().id());
			thirdPid = Long.parseLong(portico.server("alice", "third").state().id());
		}

		// a restarted gateway re-attaches both, each on its own route
		assertThat(ProcessHandle.of(defaultPid).map(ProcessHandle::isAlive)).contains(true);
		assertThat(ProcessHandle.of(thirdPid).map(ProcessHandle::isAlive)).contains(true);
		try (PorticoInstance portico = PorticoInstance.start(this.data, args)) {
			HubClient alice = HubClient.withToken(portico.base(), token);
			RestartTests.waitUntil(Duration.ofSeconds(30), () -> {
				JsonNode servers = alice.get("/hub/api/users/alice").json().path("servers");
				return servers.path("").path("ready").asBoolean() && servers.path("third").path("ready").asBoolean();
			});
			assertThat(alice.get("/user/alice/x").body()).isEqualTo("keep /user/alice/x");
			assertThat(alice.get("/user/alice/third/x").body()).isEqualTo("keep /user/alice/third/x");
			assertThat(portico.server("alice", "").state().id()).isEqualTo(Long.toString(defaultPid));
			assertThat(portico.server("alice", "third").state().id()).isEqualTo(Long.toString(thirdPid));

			// removing a named server stops it and deletes its record; the default one stays
			assertThat(alice.send("DELETE", "/hub/api/users/alice/servers/third", "{\"remove\": true}", Map.of()).status()).isEqualTo(204);
			assertThat(portico.server("alice", "third")).isNull();
			assertThat(ProcessHandle.of(thirdPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
			assertThat(alice.get("/user/alice/x").body()).isEqualTo("keep /user/alice/x");
			assertThat(alice.delete("/hub/api/users/alice/server").status()).isEqualTo(204);
			assertThat(ProcessHandle.of(defaultPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
		}
	}

	@Test
	void theHomePageListsEachServerAndStartsStopsAndRemovesANamedOne() throws Exception {
		Files.writeString(this.apps.resolve("keep.yaml"), descriptor("keep", "keep"));
		Files.writeString(this.apps.resolve("strip.yaml"), descriptor("strip", "strip") + "server-name: side\n");
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.apps-dir=" + this.apps)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");

			// no default server yet: one form, whose empty name starts the default server
			String home = alice.get("/hub/home").body();
			assertThat(home).contains("id=\"start\"").contains("name=\"server\"").doesNotContain("id=\"start-beside\"");
			HubClient.Response started = form(alice, "/hub/spawn", home, Map.of("app", "keep", "server", ""));
			assertThat(started.status()).isIn(302, 303);
			assertThat(started.headers().get("location").get(0)).isEqualTo("/hub/spawn-pending/alice");
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");

			// beside the running default server: a second form, proposing the descriptor's server-name
			home = alice.get("/hub/home").body();
			assertThat(home).contains("id=\"start-beside\"").contains("at /user/alice/side/").contains("at /user/alice/keep/");
			HubClient.Response beside = form(alice, "/hub/spawn", home, Map.of("app", "strip", "beside", "true", "server", ""));
			assertThat(beside.status()).isIn(302, 303);
			assertThat(beside.headers().get("location").get(0)).isEqualTo("/hub/spawn-pending/alice/side");
			String pending = alice.get("/hub/spawn-pending/alice/side").body();
			assertThat(pending).contains("/hub/api/users/alice/servers/side/progress").contains("name=\"server\" value=\"side\"");
			assertThat(alice.get("/hub/api/users/alice/servers/side/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/user/alice/side/x").body()).isEqualTo("strip /x");

			home = alice.get("/hub/home").body();
			assertThat(home).contains("data-server=\"side\"").contains("href=\"/user/alice/side/\"").contains("running")
				.contains("href=\"/user/alice/\"");
			// a reserved name typed in the form comes back with the reason, nothing started
			HubClient.Response reserved = form(alice, "/hub/spawn", home, Map.of("app", "strip", "beside", "true", "server", "lab"));
			assertThat(reserved.status()).isEqualTo(400);
			assertThat(reserved.body()).contains("class=\"error\"").contains("is taken by");
			assertThat(portico.server("alice", "lab")).isNull();

			// keep (and the API's keep) act on the named server only
			assertThat(form(alice, "/hub/keep", home, Map.of("server", "side")).status()).isIn(302, 303);
			JsonNode servers = alice.get("/hub/api/users/alice").json().path("servers");
			assertThat(servers.path("side").path("keep_until").isTextual()).isTrue();
			assertThat(servers.path("").path("keep_until").isNull()).isTrue();
			assertThat(alice.send("DELETE", "/hub/api/users/alice/servers/side/keep", null, Map.of()).status()).isEqualTo(200);
			assertThat(alice.get("/hub/api/users/alice").json().path("servers").path("side").path("keep_until").isNull()).isTrue();

			// its stop button stops it alone; then it can be removed from the list
			assertThat(form(alice, "/hub/stop", home, Map.of("server", "side")).status()).isIn(302, 303);
			assertThat(portico.server("alice", "side").phase()).isEqualTo(ServerPhase.STOPPED);
			assertThat(portico.server("alice", "").phase()).isEqualTo(ServerPhase.RUNNING);
			home = alice.get("/hub/home").body();
			assertThat(home).contains("data-server=\"side\"").contains("Start again").contains("Remove");
			assertThat(form(alice, "/hub/remove", home, Map.of("server", "side")).status()).isIn(302, 303);
			assertThat(portico.server("alice", "side")).isNull();
			assertThat(alice.get("/hub/home").body()).doesNotContain("data-server=\"side\"");
			assertThat(alice.get("/user/alice/x").body()).isEqualTo("keep /user/alice/x");
			assertThat(alice.delete("/hub/api/users/alice/server").status()).isEqualTo(204);
		}
	}

	@Test
	void eachServerIsCulledOnItsOwnActivity() throws Exception {
		Files.writeString(this.apps.resolve("keep.yaml"), descriptor("keep", "keep"));
		Files.writeString(this.apps.resolve("strip.yaml"), descriptor("strip", "strip"));
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.apps-dir=" + this.apps, "--portico.cull.interval=1s",
				"--portico.cull.idle-timeout=6s")) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");
			assertThat(alice.post("/hub/api/users/alice/server", "{\"app\": \"keep\"}").status()).isEqualTo(202);
			assertThat(alice.post("/hub/api/users/alice/servers/side", "{\"app\": \"strip\"}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/hub/api/users/alice/servers/side/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/user/alice/side/", Map.of("Accept", "text/html")).body()).isEqualTo("strip /");

			// page loads keep the default server in use; the named one sees nothing more and goes alone
			RestartTests.waitUntil(Duration.ofSeconds(40), () -> {
				assertThat(alice.get("/user/alice/page", Map.of("Accept", "text/html")).body()).isEqualTo("keep /user/alice/page");
				return portico.server("alice", "side").phase() == ServerPhase.STOPPED;
			});
			assertThat(portico.server("alice", "side").message()).startsWith("Culled: idle");
			assertThat(portico.server("alice", "").phase()).isEqualTo(ServerPhase.RUNNING);
			assertThat(alice.get("/user/alice/x").body()).isEqualTo("keep /user/alice/x");
			JsonNode sweep = admin.get("/hub/api/culler").json().path("last_sweep");
			assertThat(sweep.findValuesAsText("server")).contains("");
			assertThat(alice.delete("/hub/api/users/alice/server").status()).isEqualTo(204);
		}
	}

	@Test
	void aLimitOfZeroTurnsNamedServersOff() throws Exception {
		Files.writeString(this.apps.resolve("strip.yaml"), descriptor("strip", "strip"));
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.apps-dir=" + this.apps,
				"--portico.spawn.named-servers-limit=0")) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			HubClient.Response refused = admin.post("/hub/api/users/alice/servers/side", "{\"app\": \"strip\"}");
			assertThat(refused.status()).as(refused.body()).isEqualTo(400);
			assertThat(refused.json().path("message").asText()).contains("Named servers are not enabled");
			assertThat(portico.server("alice", "side")).isNull();
		}
	}

	private static String descriptor(String tag, String prefix) {
		return "display-name: Echo " + tag + "\n"
				+ "description: answers with the path it was sent (a test app)\n"
				+ "prefix: " + prefix + "\n"
				+ "auth: none\n"
				+ "ready-path: \"\"\n"
				+ "command: [/usr/bin/python3, -c, \"" + ECHO + "\", " + tag + ", \"{host}\", \"{port}\"]\n";
	}

	private static HubClient.Response form(HubClient client, String path, String page, Map<String, String> fields) {
		Map<String, String> form = new java.util.HashMap<>(fields);
		form.put("_csrf", HubClient.csrf(page));
		return client.send("POST", path, HubClient.form(form), Map.of("Content-Type", "application/x-www-form-urlencoded"));
	}

	private static List<String> names(JsonNode servers) {
		List<String> names = new java.util.ArrayList<>();
		servers.fieldNames().forEachRemaining(names::add);
		return names;
	}
}
