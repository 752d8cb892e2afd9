package org.portico.gateway.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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

/**
 * Issue 3, the gateway's part, on the real one-node Slurm cluster ({@code schedulers/slurm-up.sh} from
 * {@code $PORTICO_SHARED_DIR}, else {@code ../shared} beside the repository; a missing script fails the test):
 * Jupyter as a Slurm job submitted as alice, reached through the gateway, surviving a gateway restart, and
 * hostile spawn values refused before any command runs.
 */
@Tag("slurm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlurmGatewayTests {

	static final String PREFIX = "porticogw";

	@TempDir
	static Path data;

	static PorticoInstance portico;

	static HubClient admin;

	static HubClient alice;

	static int port;

	@BeforeAll
	static void start() throws Exception {
		Path script = sharedDir().resolve("schedulers/slurm-up.sh");
		assertThat(script).as("the Slurm test cluster script (set PORTICO_SHARED_DIR)").isRegularFile();
		Run up = run(Duration.ofMinutes(5), "bash", script.toString());
		assertThat(up.exit()).as("slurm-up.sh failed:%n%s", up.output()).isZero();
		assertThat(Path.of("/usr/bin/jupyter-notebook")).as("Debian's jupyter-notebook (./portico test installs it)").exists();
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		portico = startGateway();
		admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		assertThat(admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}").status()).isEqualTo(201);
		alice = new HubClient(portico.base()).login("alice", "alice-password");
	}

	static PorticoInstance startGateway() {
		// a fixed port across restarts: a queued job reports to the callback URL it was submitted with
		return PorticoInstance.start(data, "--server.port=" + port, "--portico.batch.slurm.enabled=true", "--portico.batch.slurm.query-interval=1s",
				"--portico.batch.slurm.query-jitter=0s", "--portico.batch.slurm.job-name-prefix=" + PREFIX,
				"--portico.batch.slurm.queue-timeout=2m",
				"--portico.batch.slurm.query-timeout=3s", "--portico.batch.slurm.command-timeout=5s", "--portico.batch.python=/usr/bin/python3",
				"--portico.profiles.small.display-name=Small (1 core)", "--portico.profiles.small.scheduler=slurm",
				"--portico.profiles.small.queue=interactive", "--portico.profiles.small.queues=interactive,batch",
				"--portico.profiles.small.cores=1", "--portico.profiles.small.memory=512M",
				"--portico.profiles.small.default-hours=1", "--portico.profiles.small.max-hours=2");
	}

	@AfterAll
	static void stop() throws Exception {
		if (portico != null) {
			ServerRecord record = portico.server("alice");
			if (record != null && record.phase().active()) {
				admin.delete("/hub/api/users/alice/server");
			}
			portico.close();
		}
		// what this class submitted must not outlive it
		for (String job : jobs(true)) {
			run(Duration.ofSeconds(30), "scancel", job.split("\\|")[0]);
		}
		Path runtime = data.resolveSibling(data.getFileName() + "-runtime");
		if (Files.isDirectory(runtime)) {
			try (Stream<Path> files = Files.walk(runtime)) {
				files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
			}
		}
	}

	@Test
	@Order(1)
	void hostileValuesAreRefusedBeforeAnyCommandRuns() throws Exception {
		List<String> bodies = List.of("{\"profile\": \"small\", \"hours\": -1}", "{\"profile\": \"small\", \"hours\": 0}",
				"{\"profile\": \"small\", \"hours\": 1e12}", "{\"profile\": \"small\", \"hours\": 3}",
				"{\"profile\": \"small\", \"hours\": \"1\"}", "{\"profile\": \"small\", \"queue\": \"a; rm -rf ~\"}",
				"{\"profile\": \"small\", \"queue\": \"batch\\nx\"}", "{\"profile\": \"small\", \"queue\": \"$(id)\"}",
				"{\"profile\": \"small\", \"queue\": \"debug\"}", "{\"profile\": \"small\", \"immediate\": \"$(id)\"}",
				"{\"profile\": \"nope\"}", "{\"profile\": \"sm all`id`\"}", "{\"profile\": \"small\", \"colour\": \"red\"}",
				"{\"profile\": \"small\", \"cores\": 64}");
		for (String body : bodies) {
			HubClient.Response response = alice.post("/hub/api/users/alice/server", body);
			assertThat(response.status()).as(body).isEqualTo(400);
			assertThat(response.json().path("message").asText()).as(body).isNotBlank().doesNotContain("rm -rf").doesNotContain("$(id)");
		}
		assertThat(alice.post("/hub/api/users/alice/server", "{\"profile\": \"small\", \"hours\": 3}").json().path("message").asText())
			.contains("at most 2");

		// the form: the message is shown on the form again
		HubClient.Response home = alice.get("/hub/home");
		assertThat(home.body()).contains("Resources").contains("Small (1 core)").contains("name=\"hours\"").contains("No batch job");
		for (Map<String, String> fields : List.of(Map.of("hours", "-1"), Map.of("hours", "99"), Map.of("queue", "a; rm -rf ~"),
				Map.of("hours", "1\nid"), Map.of("colour", "red"))) {
			Map<String, String> form = new java.util.HashMap<>(fields);
			form.put("app", "jupyter");
			form.put("profile", "small");
			form.put("_csrf", HubClient.csrf(home.body()));
			HubClient.Response page = alice.send("POST", "/hub/spawn", HubClient.form(form),
					Map.of("Content-Type", "application/x-www-form-urlencoded"));
			assertThat(page.status()).as(fields.toString()).isEqualTo(400);
			assertThat(page.body()).as(fields.toString()).contains("class=\"error\"").contains("Start a server");
		}

		ServerRecord record = portico.server("alice");
		assertThat(record == null || !record.phase().active()).as("no server was started").isTrue();
		assertThat(jobs(false)).as("no job was submitted").isEmpty();
	}

	@Test
	@Order(2)
	void startsJupyterAsASlurmJobOfTheUserAndStopsIt() throws Exception {
		String jobId = startAndAwaitReady();
		List<String> listed = jobs(false);
		assertThat(listed).as("squeue").hasSize(1);
		assertThat(listed.get(0)).contains("|alice|").contains("|RUNNING|").contains("|interactive");

		runOneAndOne();

		assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
		awaitGone(jobId);
		assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.STOPPED);
	}

	@Test
	@Order(3)
	void aRunningJobSurvivesAGatewayRestart() throws Exception {
		String jobId = startAndAwaitReady();
		portico.close();
		portico = startGateway();
		admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		alice = new HubClient(portico.base()).login("alice", "alice-password");
		Instant deadline = Instant.now().plusSeconds(60);
		while (portico.server("alice").phase() != ServerPhase.RUNNING && Instant.now().isBefore(deadline)) {
			Thread.sleep(250);
		}
		ServerRecord record = portico.server("alice");
		assertThat(record.phase()).as(String.valueOf(record.message())).isEqualTo(ServerPhase.RUNNING);
		assertThat(record.state().id()).isEqualTo(jobId);
		assertThat(alice.get("/hub/api/user").json().path("servers").path("").path("ready").asBoolean()).isTrue();
		runOneAndOne();

		assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
		awaitGone(jobId);
	}

	@Test
	@Order(4)
	void aQueuedJobSurvivesAGatewayRestartAndStartsLater() throws Exception {
		// bob fills the node (batch and interactive never share cores), so alice's job waits
		Run blocker = run(Duration.ofSeconds(30), "runuser", "-u", "bob", "--", "sbatch", "--parsable", "--export=NONE",
				"--partition=batch", "--cpus-per-task=16", "--job-name=blocker", "--output=/dev/null", "--wrap=sleep 300");
		assertThat(blocker.exit()).as(blocker.output()).isZero();
		String blockerId = blocker.output().strip().split(";")[0];
		try {
			awaitState(blockerId, "RUNNING");
			HubClient.Response start = alice.post("/hub/api/users/alice/server", "{\"profile\": \"small\", \"hours\": 0.5}");
			assertThat(start.status()).as(start.body()).isEqualTo(202);
			Instant deadline = Instant.now().plusSeconds(30);
			while ((portico.server("alice").state() == null) && Instant.now().isBefore(deadline)) {
				Thread.sleep(200);
			}
			String jobId = portico.server("alice").state().id();
			awaitState(jobId, "PENDING");
			assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.PENDING);

			portico.close();
			portico = startGateway();
			admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			alice = new HubClient(portico.base()).login("alice", "alice-password");
			Thread.sleep(3000);
			assertThat(portico.server("alice").phase()).as("still queued after the restart").isEqualTo(ServerPhase.PENDING);
			assertThat(jobs(false)).anyMatch((line) -> line.startsWith(jobId + "|") && line.contains("|PENDING|"));

			assertThat(run(Duration.ofSeconds(30), "scancel", blockerId).exit()).isZero();
			HubClient.Response progress = alice.get("/hub/api/users/alice/server/progress");
			assertThat(progress.body()).as(progress.body()).contains("running on node localhost").contains("\"ready\":true");
			assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.RUNNING);
			runOneAndOne();
			assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
			awaitGone(jobId);
		}
		finally {
			run(Duration.ofSeconds(30), "scancel", blockerId);
		}
	}

	@Test
	@Order(5)
	void whileSlurmctldDoesNotAnswerRunningServersKeepWorkingAndNewStartsFailClearly() throws Exception {
		String jobId = startAndAwaitReady();
		assertThat(admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}").status()).isIn(201, 409);
		String pid = Files.readString(slurmUpDir().resolve("run/slurmctld.pid")).strip();
		assertThat(pid).matches("[0-9]+");
		assertThat(run(Duration.ofSeconds(10), "kill", "-STOP", pid).exit()).isZero();
		try {
			// several query intervals, each query timing out: unknown, never gone
			Thread.sleep(8000);
			assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.RUNNING);
			runOneAndOne();

			HubClient.Response start = admin.post("/hub/api/users/bob/server", "{\"profile\": \"small\"}");
			assertThat(start.status()).as(start.body()).isEqualTo(202);
			HubClient.Response progress = admin.get("/hub/api/users/bob/server/progress");
			assertThat(progress.body()).as(progress.body()).contains("\"failed\":true").contains("Slurm refused the job");
			assertThat(portico.server("alice").phase()).isEqualTo(ServerPhase.RUNNING);
		}
		finally {
			run(Duration.ofSeconds(10), "kill", "-CONT", pid);
		}
		assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
		awaitGone(jobId);
	}

	// ---- helpers

	/** Where slurm-up.sh keeps its pid files ({@code $SLURM_UP_DIR}, else the script's default). */
	private static Path slurmUpDir() {
		String configured = System.getenv("SLURM_UP_DIR");
		return Path.of((configured != null && !configured.isBlank()) ? configured : "/var/lib/slurm-up");
	}

	private static void awaitState(String jobId, String state) throws Exception {
		Instant deadline = Instant.now().plusSeconds(30);
		while (Instant.now().isBefore(deadline)) {
			Run squeue = run(Duration.ofSeconds(30), "squeue", "-h", "-j", jobId, "-o", "%T");
			if (squeue.output().strip().equals(state)) {
				return;
			}
			Thread.sleep(250);
		}
		throw new AssertionError("job " + jobId + " never reached " + state);
	}

	private static String startAndAwaitReady() {
		HubClient.Response start = alice.post("/hub/api/users/alice/server", "{\"profile\": \"small\", \"hours\": 0.5}");
		assertThat(start.status()).as(start.body()).isEqualTo(202);
		HubClient.Response progress = alice.get("/hub/api/users/alice/server/progress");
		assertThat(progress.body()).as(progress.body()).contains("Submitted job").contains("running on node localhost")
			.contains("\"ready\":true");
		ServerRecord record = portico.server("alice");
		assertThat(record.phase()).isEqualTo(ServerPhase.RUNNING);
		assertThat(record.spawner()).isEqualTo("slurm");
		assertThat(record.state().get("host")).isEqualTo("localhost");
		assertThat(record.state().get("port")).matches("[0-9]+");
		return record.state().id();
	}

	private static void runOneAndOne() throws Exception {
		HubClient.Response kernel = alice.post("/user/alice/api/kernels", "{\"name\": \"python3\"}");
		assertThat(kernel.status()).as(kernel.body()).isEqualTo(201);
		assertThat(alice.execute("alice", kernel.json().get("id").asText(), "1+1", Map.of())).isEqualTo("2");
		// the kernel runs as alice on the node, in her home
		assertThat(alice.execute("alice", kernel.json().get("id").asText(), "import getpass, os; (getpass.getuser(), os.getcwd())",
				Map.of())).isEqualTo("('alice', '/home/alice')");
	}

	private static void awaitGone(String jobId) throws Exception {
		Instant deadline = Instant.now().plusSeconds(60);
		while (jobs(false).stream().anyMatch((line) -> line.startsWith(jobId + "|")) && Instant.now().isBefore(deadline)) {
			Thread.sleep(500);
		}
		assertThat(jobs(false)).as("squeue after the stop").noneMatch((line) -> line.startsWith(jobId + "|"));
	}

	/** This class's jobs in squeue, {@code ID|USER|STATE|NAME|PARTITION}; finished ones only with {@code all}. */
	private static List<String> jobs(boolean all) throws Exception {
		Run squeue = run(Duration.ofSeconds(30), "squeue", "-h", "-t", all ? "all" : "PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED",
				"-o", "%i|%u|%T|%j|%P");
		assertThat(squeue.exit()).as(squeue.output()).isZero();
		return squeue.output().lines().filter((line) -> line.split("\\|").length >= 4 && line.split("\\|")[3].startsWith(PREFIX)).toList();
	}

	record Run(int exit, String output) {
	}

	static Run run(Duration timeout, String... argv) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
		process.getOutputStream().close();
		byte[] out = process.getInputStream().readAllBytes();
		if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException(String.join(" ", argv) + " timed out");
		}
		return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
	}

	/** {@code $PORTICO_SHARED_DIR}, else {@code ../shared} beside the repository root. */
	static Path sharedDir() {
		String configured = System.getenv("PORTICO_SHARED_DIR");
		if (configured != null && !configured.isBlank()) {
			return Path.of(configured);
		}
		Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
		while (dir != null && !Files.exists(dir.resolve(".git"))) {
			dir = dir.getParent();
		}
		assertThat(dir).as("repository root above " + System.getProperty("user.dir")).isNotNull();
		return dir.resolve("../shared").normalize();
	}

}
