package org.portico.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.e2e.SlurmGatewayTests.Run;
import org.portico.gateway.store.ServerRecord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.portico.gateway.e2e.SlurmGatewayTests.run;

/**
 * Issue 7 on the real one-node Slurm cluster: alice's Jupyter (the default server) and her Desktop (the
 * named server {@code desktop}) run side by side as two Slurm jobs of hers, and headless Chromium works in
 * both through the gateway: a notebook computes {@code 1+1}, noVNC's canvas shows the desktop. Bob reaches
 * neither page nor WebSocket of alice's desktop. Screenshots go to
 * {@code gateway/target/browser-artifacts/slurm/}.
 */
@Tag("slurm")
@Tag("browser")
@Tag("jupyter")
class SlurmAppsTests {

	static final String PREFIX = "porticoapps";

	static final Path ARTIFACTS = BrowserTests.ARTIFACTS.resolve("slurm");

	@TempDir
	Path data;

	private PorticoInstance portico;

	@AfterEach
	void stop() throws Exception {
		if (this.portico != null) {
			this.portico.close();
		}
		// only this class's own jobs: other tests and people share the cluster
		for (String job : jobs()) {
			run(Duration.ofSeconds(30), "scancel", job.split("\\|")[0]);
		}
		Path runtime = this.data.resolveSibling(this.data.getFileName() + "-runtime");
		if (Files.isDirectory(runtime)) {
			try (Stream<Path> files = Files.walk(runtime)) {
				files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
			}
		}
	}

	@Test
	void jupyterAndTheDesktopRunAsSlurmJobsOfTheUserSideBySideAndWorkInTheBrowser() throws Exception {
		Path script = SlurmGatewayTests.sharedDir().resolve("schedulers/slurm-up.sh");
		assertThat(script).as("the Slurm test cluster script (set PORTICO_SHARED_DIR)").isRegularFile();
		Run up = run(Duration.ofMinutes(5), "bash", script.toString());
		assertThat(up.exit()).as("slurm-up.sh failed:%n%s", up.output()).isZero();
		assertThat(Path.of("/usr/bin/Xvnc")).as("./portico test installs tigervnc-standalone-server").exists();
		assertThat(BrowserTests.BROWSER_TESTS.resolve("node_modules/puppeteer-core")).as("./portico test installs puppeteer-core").exists();
		int port;
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		this.portico = PorticoInstance.start(this.data, "--server.port=" + port, "--portico.batch.slurm.enabled=true",
				"--portico.batch.slurm.query-interval=1s", "--portico.batch.slurm.query-jitter=0s",
				"--portico.batch.slurm.job-name-prefix=" + PREFIX, "--portico.batch.slurm.queue-timeout=2m",
				"--portico.batch.slurm.query-timeout=3s", "--portico.batch.slurm.command-timeout=5s",
				"--portico.batch.python=/usr/bin/python3", "--portico.profiles.small.display-name=Small (1 core)",
				"--portico.profiles.small.scheduler=slurm", "--portico.profiles.small.queue=interactive",
				"--portico.profiles.small.cores=1", "--portico.profiles.small.memory=1G", "--portico.profiles.small.default-hours=1",
				"--portico.profiles.small.max-hours=2");
		HubClient admin = HubClient.withToken(this.portico.base(), PorticoInstance.ADMIN_TOKEN);
		assertThat(admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}").status()).isEqualTo(201);
		assertThat(admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}").status()).isEqualTo(201);
		HubClient alice = new HubClient(this.portico.base()).login("alice", "alice-password");
		HubClient bob = new HubClient(this.portico.base()).login("bob", "bob-password");

		HubClient.Response jupyter = alice.post("/hub/api/users/alice/server", "{\"app\": \"jupyter\", \"profile\": \"small\"}");
		assertThat(jupyter.status()).as(jupyter.body()).isEqualTo(202);
		HubClient.Response desktop = alice.post("/hub/api/users/alice/servers/desktop", "{\"app\": \"desktop\", \"profile\": \"small\"}");
		assertThat(desktop.status()).as(desktop.body()).isEqualTo(202);
		for (String progress : List.of("/hub/api/users/alice/server/progress", "/hub/api/users/alice/servers/desktop/progress")) {
			// a finished start replays only its last event: ready, or why it failed
			String events = alice.get(progress).body();
			assertThat(events).as(progress + ": " + events).contains("\"ready\":true");
		}

		// two jobs, both alice's, both running, each the server its record names
		ServerRecord jupyterRecord = this.portico.server("alice");
		ServerRecord desktopRecord = this.portico.server("alice", "desktop");
		assertThat(jupyterRecord.spawner()).isEqualTo("slurm");
		assertThat(desktopRecord.spawner()).isEqualTo("slurm");
		String jupyterJob = jupyterRecord.state().id();
		String desktopJob = desktopRecord.state().id();
		assertThat(jupyterJob).isNotEqualTo(desktopJob);
		assertThat(jobs()).as("squeue").hasSize(2)
			.anyMatch((line) -> line.startsWith(jupyterJob + "|alice|RUNNING|"))
			.anyMatch((line) -> line.startsWith(desktopJob + "|alice|RUNNING|"));
		for (String job : List.of(jupyterJob, desktopJob)) {
			Run show = run(Duration.ofSeconds(30), "scontrol", "show", "job", job);
			assertThat(show.output()).as(show.output()).containsPattern("UserId=alice\\(\\d+\\)").contains("JobState=RUNNING");
		}

		// bob reaches neither the desktop's page, nor one of noVNC's files, nor its WebSocket
		HubClient.Response stolen = bob.get("/user/alice/desktop/");
		assertThat(stolen.status()).isEqualTo(403);
		assertThat(stolen.body()).doesNotContain("vnc.html#path=");
		assertThat(bob.get("/user/alice/desktop/vnc.html").status()).isEqualTo(403);
		assertThatThrownBy(() -> bob.openWebSocket("/user/alice/desktop/websockify", Map.of(), new LinkedBlockingQueue<>()))
			.as("bob's WebSocket into alice's desktop is refused").isInstanceOfSatisfying(HubClient.HandshakeRefused.class,
					(refused) -> assertThat(refused.status).isEqualTo(403));
		assertThat(bob.transcript()).doesNotContain("password=");
		// noVNC's files come from the gateway's disk, not through the job (websockify sends no Cache-Control)
		HubClient.Response rfb = alice.get("/user/alice/desktop/core/rfb.js");
		assertThat(rfb.status()).isEqualTo(200);
		assertThat(rfb.headers().get("cache-control")).containsExactly("private, max-age=600");
		assertThat(rfb.body()).isEqualTo(Files.readString(Path.of("/usr/share/novnc/core/rfb.js")));

		JsonNode notebook = BrowserTests.node("jupyter-session.mjs", this.portico.base(), "alice", "alice-password",
				ARTIFACTS.resolve("jupyter").toString(), "--running");
		assertThat(notebook.path("tree").asText()).isEqualTo("/user/alice/tree");
		assertThat(notebook.path("result").asText()).isEqualTo("2");
		assertThat(ARTIFACTS.resolve("jupyter/notebook.png")).isRegularFile();

		JsonNode screen = BrowserTests.node("desktop-session.mjs", this.portico.base(), "alice", "alice-password",
				ARTIFACTS.resolve("desktop").toString(), "/user/alice/desktop/");
		assertThat(screen.path("title").asText()).contains("Portico desktop (alice)");
		assertThat(screen.path("path").asText()).isEqualTo("/user/alice/desktop/vnc.html");
		assertThat(screen.path("fragmentHasPath").asBoolean()).isTrue();
		assertThat(screen.path("canvas").path("width").asInt()).isGreaterThanOrEqualTo(640);
		assertThat(ARTIFACTS.resolve("desktop/desktop.png")).isRegularFile();

		assertThat(alice.delete("/hub/api/users/alice/servers/desktop").status()).isIn(202, 204);
		assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
		Instant deadline = Instant.now().plusSeconds(60);
		while (!jobs().isEmpty() && Instant.now().isBefore(deadline)) {
			Thread.sleep(500);
		}
		assertThat(jobs()).as("squeue after both stops").isEmpty();
	}

	/** This class's live jobs in squeue, {@code ID|USER|STATE|NAME}. */
	private static List<String> jobs() throws Exception {
		Run squeue = run(Duration.ofSeconds(30), "squeue", "-h", "-t", "PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED", "-o",
				"%i|%u|%T|%j");
		assertThat(squeue.exit()).as(squeue.output()).isZero();
		return squeue.output().lines().filter((line) -> line.split("\\|").length >= 4 && line.split("\\|")[3].startsWith(PREFIX)).toList();
	}
}
