package org.portico.gateway.e2e;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7, the Desktop's form field: the chosen screen size becomes Xvnc's geometry, and the launcher
 * refuses anything but WIDTHxHEIGHT itself, whoever calls it.
 */
class DesktopResolutionTests {

	@TempDir
	Path data;

	@Test
	void theLauncherRefusesABadGeometryBeforeStartingAnything() throws Exception {
		Path script = this.data.resolve("portico-desktop.sh");
		try (InputStream in = getClass().getResourceAsStream("/runtime/desktop/portico-desktop.sh")) {
			Files.copy(in, script);
		}
		for (String geometry : List.of("$(id)", "1920x1080;id", "1920x1080 -SecurityTypes None", "1920x", "x1080", "10x10",
				"99999x1080", "1920x1080x2", "-1x100", "1920X1080")) {
			Process process = new ProcessBuilder("/bin/sh", script.toString(), "127.0.0.1", "0", geometry)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
			assertThat(process.waitFor(20, TimeUnit.SECONDS)).as(geometry).isTrue();
			String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(process.exitValue()).as(geometry + ": " + stderr).isEqualTo(2);
			assertThat(stderr).as(geometry).startsWith("portico-desktop: the geometry");
		}
	}

	@Test
	void theChosenResolutionBecomesXvncsGeometry() throws Exception {
		assertThat(Path.of("/usr/bin/Xvnc")).as("./portico test installs tigervnc-standalone-server").exists();
		try (PorticoInstance portico = PorticoInstance.start(this.data)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");
			HubClient.Response refused = alice.post("/hub/api/users/alice/servers/desktop",
					"{\"app\": \"desktop\", \"fields\": {\"resolution\": \"1920x1080 -SecurityTypes None\"}}");
			assertThat(refused.status()).isEqualTo(400);
			assertThat(refused.json().get("message").asText()).contains("Field 'resolution'");
			assertThat(portico.server("alice", "desktop")).isNull();

			HubClient.Response start = alice.post("/hub/api/users/alice/servers/desktop",
					"{\"app\": \"desktop\", \"fields\": {\"resolution\": \"1920x1080\"}}");
			assertThat(start.status()).as(start.body()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/servers/desktop/progress").body()).contains("\"ready\":true");
			long launcher = Long.parseLong(portico.server("alice", "desktop").state().id());
			List<String> xvnc = ProcessHandle.of(launcher).orElseThrow().descendants()
				.map((p) -> p.info().arguments().map(List::of).orElse(List.<String>of()))
				.filter((args) -> args.contains("-rfbunixpath")).toList().stream().findFirst().orElseThrow();
			int at = xvnc.indexOf("-geometry");
			assertThat(xvnc.subList(at, at + 2)).containsExactly("-geometry", "1920x1080");
			assertThat(alice.delete("/hub/api/users/alice/servers/desktop").status()).isIn(202, 204);
		}
	}
}
