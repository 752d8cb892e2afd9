package org.portico.gateway.e2e;

import java.nio.file.Path;
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
 * stripped prefix, unreachable for another user, and gone with its whole process group at stop.
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

			JsonNode seen = BrowserTests.node("desktop-session.mjs", portico.base(), "alice", "alice-password",
					BrowserTests.ARTIFACTS.resolve("desktop").toString());
			assertThat(seen.path("title").asText()).contains("Portico desktop (alice)");
			assertThat(seen.path("path").asText()).isEqualTo("/user/alice/vnc.html");
			assertThat(seen.path("fragmentHasPath").asBoolean()).isTrue();
			assertThat(seen.path("canvas").path("width").asInt()).isGreaterThanOrEqualTo(640);
			assertThat(BrowserTests.ARTIFACTS.resolve("desktop/desktop.png")).exists();

			assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
			assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.STOPPED);
			assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the desktop's launcher").isFalse();
			assertThat(ProcessHandle.allProcesses().filter((p) -> p.info().commandLine().orElse("").contains("portico-desktop."))
				.filter(ProcessHandle::isAlive).map((p) -> p.info().commandLine().orElse("")).toList())
				.as("Xvnc and websockify of the session").isEmpty();
		}
	}
}
