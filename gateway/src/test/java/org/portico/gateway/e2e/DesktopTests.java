package org.portico.gateway.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 7's desktop, for real: the built-in Desktop app (TigerVNC on a unix socket, openbox, xterm,
 * websockify with noVNC) started through the gateway, connected from headless Chromium through the
 * stripped prefix, unreachable for another user, and gone with its whole process group at stop; noVNC's
 * files served by the gateway itself from the descriptor's {@code static-dir}, for the owner only.
 */
@Tag("browser")
class DesktopTests {

	@TempDir
	Path data;

	@Test
	void aUserOpensTheirDesktopInTheBrowserAndNobodyElseCan() throws Exception {
		assertThat(Path.of("/usr/bin/Xvnc")).as("./portico test installs tigervnc-standalone-server").exists();
		try (PorticoInstance portico = PorticoInstance.start(this.data)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");
			HubClient bob = new HubClient(portico.base()).login("bob", "bob-password");
			assertThat(alice.get("/hub/spawn").body()).contains("value=\"desktop\"").contains("Desktop");

			HubClient.Response start = alice.post("/hub/api/users/alice/server", "{\"app\": \"desktop\"}");
			assertThat(start.status()).as(start.body()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			long pid = Long.parseLong(portico.server("alice").state().id());

			// the index page connects noVNC through the prefix; only its owner gets it
			assertThat(alice.get("/user/alice/").body()).contains("vnc.html#path=").contains("websockify");
			HubClient.Response stolen = bob.get("/user/alice/");
			assertThat(stolen.status()).isIn(403, 404);
			assertThat(stolen.body()).doesNotContain("vnc.html#path=");
			assertThatThrownBy(() -> bob.openWebSocket("/user/alice/websockify", Map.of(), new LinkedBlockingQueue<>()))
				.as("bob's WebSocket into alice's desktop is refused").isInstanceOf(Exception.class);

			// noVNC's files come from the gateway's own disk, behind the same owner check (issue 7): its
			// cache headers (websockify sends neither ETag nor Cache-Control), a 304 on revalidation
			HubClient.Response rfb = alice.get("/user/alice/core/rfb.js");
			assertThat(rfb.status()).isEqualTo(200);
			assertThat(rfb.body()).isEqualTo(Files.readString(Path.of("/usr/share/novnc/core/rfb.js")));
			assertThat(rfb.headers().get("content-type")).containsExactly("text/javascript; charset=utf-8");
			assertThat(rfb.headers().get("cache-control")).containsExactly("private, max-age=600");
			assertThat(rfb.headers().get("last-modified")).hasSize(1);
			String etag = rfb.headers().get("etag").get(0);
			assertThat(alice.get("/user/alice/core/rfb.js", Map.of("If-None-Match", etag)).status()).isEqualTo(304);
			assertThat(alice.get("/user/alice/vnc.html").headers().get("content-type")).containsExactly("text/html; charset=utf-8");
			assertThat(alice.get("/user/alice/app/images/").status()).as("a folder, not listed").isEqualTo(404);
			assertThat(alice.get("/user/alice/core/no-such.js").status()).isEqualTo(404);
			for (String escape : List.of("/user/alice/core/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/user/alice/core/%2e%2e/%2e%2e/etc/passwd",
					"/user/alice/core/..%5c..%5cetc%5cpasswd")) {
				HubClient.Response refused = alice.get(escape);
				assertThat(refused.status()).as(escape).isIn(400, 404);
				assertThat(refused.body()).as(escape).doesNotContain("root:");
			}
			HubClient.Response stolenFile = bob.get("/user/alice/core/rfb.js");
			assertThat(stolenFile.status()).isEqualTo(403);
			assertThat(stolenFile.headers()).doesNotContainKey("etag");

			JsonNode seen = BrowserTests.node("desktop-session.mjs", portico.base(), "alice", "alice-password",
					BrowserTests.ARTIFACTS.resolve("desktop").toString());
			assertThat(seen.path("title").asText()).contains("Portico desktop (alice)");
			assertThat(seen.path("path").asText()).isEqualTo("/user/alice/vnc.html");
			assertThat(seen.path("fragmentHasPath").asBoolean()).isTrue();
			assertThat(seen.path("canvas").path("width").asInt()).isGreaterThanOrEqualTo(640);
			assertThat(BrowserTests.ARTIFACTS.resolve("desktop/desktop.png")).exists();

			// this session's processes only (another test's desktop may be stopping at the same time)
			List<ProcessHandle> session = ProcessHandle.of(pid).map((p) -> p.descendants().toList()).orElse(List.of());
			assertThat(session.stream().map((p) -> p.info().commandLine().orElse("")))
				.as("the launcher's Xvnc and websockify").anyMatch((c) -> c.contains("Xvnc") || c.contains("Xtigervnc"))
				.anyMatch((c) -> c.contains("websockify"));
			assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
			assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.STOPPED);
			assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the desktop's launcher").isFalse();
			session.forEach((p) -> p.onExit().completeOnTimeout(p, 10, java.util.concurrent.TimeUnit.SECONDS).join());
			assertThat(session.stream().filter(ProcessHandle::isAlive).map((p) -> p.info().commandLine().orElse("")).toList())
				.as("Xvnc and websockify of the session").isEmpty();
		}
	}

	@Test
	void theGatewayServesTheAppsStaticFilesItselfFromTheConfiguredFolder(@TempDir Path site) throws Exception {
		// a static-dir holding a file that websockify's --web (noVNC's folder and the launcher's index) lacks:
		// only the gateway can answer it
		Path novnc = Files.createDirectories(site.resolve("novnc/core"));
		Files.writeString(novnc.resolve("portico-only.js"), "// served by the gateway\n");
		Path apps = Files.createDirectories(site.resolve("apps"));
		String builtIn;
		try (var in = DesktopTests.class.getResourceAsStream("/apps/desktop.yaml")) {
			builtIn = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		assertThat(builtIn).contains("static-dir: /usr/share/novnc");
		Files.writeString(apps.resolve("desktop.yaml"), builtIn.replace("static-dir: /usr/share/novnc", "static-dir: " + novnc.getParent()));
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.apps-dir=" + apps)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");
			HubClient bob = new HubClient(portico.base()).login("bob", "bob-password");
			assertThat(alice.post("/hub/api/users/alice/servers/desktop", "{\"app\": \"desktop\"}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/servers/desktop/progress").body()).contains("\"ready\":true");

			HubClient.Response own = alice.get("/user/alice/desktop/core/portico-only.js");
			assertThat(own.status()).isEqualTo(200);
			assertThat(own.body()).isEqualTo("// served by the gateway\n");
			// not in this static-dir: 404 from the gateway, though websockify has noVNC's rfb.js
			assertThat(alice.get("/user/alice/desktop/core/rfb.js").status()).isEqualTo(404);
			// the index page with the VNC password is still the launcher's
			assertThat(alice.get("/user/alice/desktop/").body()).contains("vnc.html#path=");
			assertThat(bob.get("/user/alice/desktop/core/portico-only.js").status()).isEqualTo(403);
			assertThat(new HubClient(portico.base()).get("/user/alice/desktop/core/portico-only.js").status())
				.as("nobody logged in").isEqualTo(403);
			assertThat(alice.delete("/hub/api/users/alice/servers/desktop").status()).isIn(202, 204);
			assertThat(portico.server("alice", "desktop").phase()).as("stopped before the gateway closes").isEqualTo(ServerPhase.STOPPED);
		}
	}
}
