package org.portico.gateway.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 7's code-server, for real: the built-in VS Code app started through the gateway on the local
 * spawner, logged in by the gateway's cookie, opened in headless Chromium through the stripped prefix
 * with a file of the user's shown in the editor, unreachable for another user, its secret in no log
 * and no response, and no process of it left after the stop.
 */
@Tag("browser")
@ExtendWith(OutputCaptureExtension.class)
class CodeServerTests {

	/** Where {@code ./portico test} puts code-server for servers, on the PATH they start with. */
	private static final Path CODE_SERVER = Path.of("/usr/local/bin/code-server");

	@TempDir
	Path data;

	@Test
	void aUserWorksInVsCodeInTheBrowserAndNobodyElseCan(CapturedOutput output) throws Exception {
		assertThat(Files.isExecutable(CODE_SERVER))
			.as("code-server is not installed: ./portico test installs it (npm's code-server on Node 24, cached in "
					+ "PORTICO_CODE_SERVER_HOME, default /opt/portico/code-server) and links it as " + CODE_SERVER)
			.isTrue();
		Path work = this.data.resolve("users").resolve("alice");
		Files.createDirectories(work);
		Files.writeString(work.resolve("hello.py"), "print('portico-code-server-check')\n");
		Path gatewayConfig = Path.of(System.getProperty("user.home"), ".config", "code-server");
		boolean gatewayConfigBefore = Files.exists(gatewayConfig);
		String home = "HOME=" + work;

		try (PorticoInstance portico = PorticoInstance.start(this.data)) {
			exercise(portico, output, work, home);
		}
		finally {
			// servers outlive the gateway by design: a failed run must not leave this one behind
			for (long pid : processesWith(home)) {
				ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
			}
		}
		assertThat(Files.exists(gatewayConfig)).as("code-server wrote nothing into the gateway's ~/.config")
			.isEqualTo(gatewayConfigBefore);
	}

	private void exercise(PorticoInstance portico, CapturedOutput output, Path work, String home) throws Exception {
		HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
		admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}");
		HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");
		HubClient bob = new HubClient(portico.base()).login("bob", "bob-password");
		assertThat(alice.get("/hub/spawn").body()).contains("value=\"code-server\"").contains("VS Code");

		HubClient.Response start = alice.post("/hub/api/users/alice/server", "{\"app\": \"code-server\"}");
		assertThat(start.status()).as(start.body()).isEqualTo(202);
		assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
		String prefix = "/user/alice/";
		String secret = portico.server("alice").secret();
		List<Long> session = processesWith(home);
		assertThat(session).as("code-server's processes, found by the session's HOME").isNotEmpty();
		String hash = environmentOf(session, "HASHED_PASSWORD=");
		assertThat(hash).as("code-server's HASHED_PASSWORD").startsWith("$argon2id$").doesNotContain(secret);

		// logged in by the gateway's cookie: the workbench, not code-server's login page
		HubClient.Response root = alice.get(prefix);
		assertThat(root.status()).as(root.body()).isEqualTo(302);
		assertThat(root.headers().get("location")).as("code-server opens the work dir, not ./login")
			.containsExactly("./?folder=" + work);
		HubClient.Response page = alice.get(prefix + "?folder=" + work);
		assertThat(page.status()).as(page.body()).isEqualTo(200);
		assertThat(page.body()).contains("vscode").doesNotContain("type=\"password\"");
		HubClient.Response bare = alice.get(prefix.substring(0, prefix.length() - 1));
		assertThat(bare.status()).isEqualTo(302);
		assertThat(bare.headers().get("location")).containsExactly(prefix);

		// another user gets neither the page nor a WebSocket
		HubClient.Response stolen = bob.get(prefix);
		assertThat(stolen.status()).isEqualTo(403);
		assertThat(stolen.body()).doesNotContain("vscode");
		assertThatThrownBy(() -> bob.openWebSocket(prefix + "stable-x?reconnectionToken=x&reconnection=false&skipWebSocketFrames=false",
				Map.of("Origin", portico.base()), new LinkedBlockingQueue<>()))
			.as("bob's WebSocket into alice's code-server").isInstanceOfSatisfying(HubClient.HandshakeRefused.class,
					(refused) -> assertThat(refused.status).isEqualTo(403));

		JsonNode seen = BrowserTests.node("code-server-session.mjs", portico.base(), "alice", "alice-password", prefix, "hello.py",
				BrowserTests.ARTIFACTS.resolve("code-server").toString());
		assertThat(seen.path("path").asText()).isEqualTo(prefix);
		assertThat(seen.path("editorText").asText()).contains("portico-code-server-check");
		assertThat(seen.path("webSockets").toString()).as("WebSocket handshakes the browser saw").contains("101");
		assertThat(seen.path("cookieNames").toString()).as("the browser's cookies").contains("portico-session")
			.doesNotContain("code-server-session");
		assertThat(BrowserTests.ARTIFACTS.resolve("code-server/code-server.png")).exists();
		assertThat(Files.isDirectory(work.resolve(".local/share/code-server"))).as("user data in the work dir").isTrue();
		assertThat(seen.path("terminal").asBoolean()).isTrue();
		long shell = terminalShell(work.resolve(".portico-terminal.pid"));
		assertThat(sessionOf(shell)).as("the terminal's shell runs in a session of its own (a pty)")
			.isPositive().isNotEqualTo(sessionOf(session.get(0)));

		assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
		assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.STOPPED);
		assertThat(processesWith(home)).as("processes of the session after the stop").isEmpty();
		assertThat(sessionOf(shell)).as("the terminal's shell is gone (or a zombie left to init)").isEqualTo(-1);

		String serverLog = Files.readString(this.data.resolve("logs").resolve("alice.log"));
		assertThat(serverLog).as("the server's log").isNotEmpty().doesNotContain(secret).doesNotContain(hash);
		assertThat(output.getAll()).as("the gateway's log").contains("server ready user=alice").doesNotContain(secret)
			.doesNotContain(hash);
		assertThat(alice.transcript() + bob.transcript()).as("every response a client saw").doesNotContain(secret)
			.doesNotContain(hash);
	}

	/** The live processes whose environment holds {@code entry} (e.g. {@code HOME=...}). */
	private static List<Long> processesWith(String entry) throws IOException {
		List<Long> found = new ArrayList<>();
		try (Stream<Path> all = Files.list(Path.of("/proc"))) {
			for (Path dir : all.filter((p) -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
				if (environment(dir).contains(entry)) {
					found.add(Long.parseLong(dir.getFileName().toString()));
				}
			}
		}
		return found;
	}

	/** The pid the browser's terminal wrote into {@code file}, waiting for it at most 30 s. */
	private static long terminalShell(Path file) throws Exception {
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
		while (!Files.exists(file) || Files.readString(file).isBlank()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("the terminal's shell wrote no " + file + " within 30 s");
			}
			Thread.sleep(200);
		}
		return Long.parseLong(Files.readString(file).strip());
	}

	/** The session id of a process (field 6 of {@code /proc/PID/stat}), or -1 once it is gone or a zombie. */
	private static long sessionOf(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return "Z".equals(fields[0]) ? -1 : Long.parseLong(fields[3]);
		}
		catch (IOException ex) {
			return -1;
		}
	}

	private static String environmentOf(List<Long> pids, String prefix) throws IOException {
		for (long pid : pids) {
			for (String entry : environment(Path.of("/proc", Long.toString(pid)))) {
				if (entry.startsWith(prefix)) {
					return entry.substring(prefix.length());
				}
			}
		}
		throw new AssertionError("no process of the session has " + prefix);
	}

	private static List<String> environment(Path procDir) throws IOException {
		try {
			return List.of(new String(Files.readAllBytes(procDir.resolve("environ")), StandardCharsets.UTF_8).split("\0"));
		}
		catch (FileSystemException ex) {
			return List.of(); // gone meanwhile, a kernel thread (ESRCH), or not ours to read
		}
	}
}
