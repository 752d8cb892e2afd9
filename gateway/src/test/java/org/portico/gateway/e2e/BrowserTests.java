package org.portico.gateway.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 2's user path in a real browser (Debian's Chromium, driven by puppeteer-core from
 * {@code ui/browser-tests}): log in, start Jupyter from the home page, follow the progress page into
 * Jupyter, run {@code 1+1} in a notebook, stop. Screenshots are kept under
 * {@code gateway/target/browser-artifacts/}.
 */
@Tag("browser")
@Tag("jupyter")
class BrowserTests {

	static final Path BROWSER_TESTS = Path.of("..", "ui", "browser-tests").toAbsolutePath().normalize();

	static final Path ARTIFACTS = Path.of("target", "browser-artifacts").toAbsolutePath();

	@TempDir
	Path data;

	@Test
	void aUserLogsInStartsJupyterRunsCodeAndStops() throws Exception {
		assertThat(BROWSER_TESTS.resolve("node_modules/puppeteer-core")).as("./portico test installs puppeteer-core").exists();
		assertThat(Path.of("/usr/bin/chromium")).as("./portico test installs Debian's chromium").exists();
		try (PorticoInstance portico = PorticoInstance.start(this.data)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			assertThat(admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}").status()).isEqualTo(201);

			JsonNode seen = node("jupyter-session.mjs", portico.base(), "alice", "alice-password", ARTIFACTS.resolve("jupyter").toString());

			assertThat(seen.path("home").asText()).isEqualTo("/hub/home");
			assertThat(seen.path("pending").asText()).isEqualTo("/hub/spawn-pending/alice");
			assertThat(seen.path("tree").asText()).isEqualTo("/user/alice/tree");
			assertThat(seen.path("result").asText()).isEqualTo("2");
			assertThat(seen.path("afterStop").asText()).startsWith("Stopped");
			assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.STOPPED);
			long pid = Long.parseLong(portico.server("alice").state().id());
			assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
			assertThat(ARTIFACTS.resolve("jupyter/notebook.png")).exists();
		}
	}

	/** Runs a browser script and returns the JSON line it printed; fails with its output otherwise. */
	static JsonNode node(String script, String... args) throws IOException, InterruptedException {
		List<String> command = new java.util.ArrayList<>(List.of("node", script));
		command.addAll(List.of(args));
		Path log = Files.createTempFile("browser-test", ".log");
		Process process = new ProcessBuilder(command).directory(BROWSER_TESTS.toFile()).redirectErrorStream(true)
			.redirectOutput(log.toFile()).start();
		if (!process.waitFor(6, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			throw new AssertionError("browser script timed out:\n" + Files.readString(log));
		}
		String output = Files.readString(log, StandardCharsets.UTF_8);
		assertThat(process.exitValue()).as(output).isZero();
		String last = output.strip().lines().reduce((a, b) -> b).orElse("");
		return new ObjectMapper().readTree(last);
	}
}
