package org.portico.gateway.e2e;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;
import org.portico.spawner.sge.SgeScheduler;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 4 on the real one-host Grid Engine cell ({@code schedulers/sge-up.sh}: queue instance
 * {@code all.q@localhost} with 16 slots, PE {@code smp}, consumable {@code gpu=2}): a pool read from
 * {@code qhost}, three users starting a GPU-share profile at the same moment; Grid Engine shows each job in
 * the seat's queue instance with the seat's slots, and each job's server shows in its own environment the
 * GPU and thread count the API reports for the seat. Then the live re-read: {@code qmod -d} on the queue
 * instance closes the pool for new starts with the reason (running sessions go on), {@code qmod -e} opens it.
 *
 * <p>The server is the small Python HTTP server of {@link PlacementSlurmTests} that answers with its own
 * environment, here with Grid Engine's variables. A user besides alice and bob is created here and removed
 * at the end.
 */
@Tag("sge")
class PlacementSgeTests {

	static final String PREFIX = "porticosgeplace";

	static final String CREATED = "psge1";

	static final List<String> USERS = List.of("alice", "bob", CREATED);

	static final String QUEUE_INSTANCE = "all.q@localhost";

	/** Serves the job's share as JSON, whatever the path. */
	static final String ENV_SERVER = PlacementSlurmTests.ENV_SERVER.replace(
			"KEYS = ('CUDA_VISIBLE_DEVICES', 'SLURM_JOB_GPUS', 'SLURM_SHARDS_ON_NODE', 'SLURM_JOB_ID', 'SLURMD_NODENAME',",
			"KEYS = ('CUDA_VISIBLE_DEVICES', 'JOB_ID', 'QUEUE', 'NSLOTS', 'PE', 'HOSTNAME',");

	static final SgeScheduler.Settings CELL = SgeScheduler.Settings.debian();

	@TempDir
	static Path data;

	static PorticoInstance portico;

	static HubClient admin;

	static final Map<String, HubClient> clients = new ConcurrentHashMap<>();

	@BeforeAll
	static void start() throws Exception {
		assertThat(ENV_SERVER).contains("'JOB_ID', 'QUEUE', 'NSLOTS'");
		Path script = SlurmGatewayTests.sharedDir().resolve("schedulers/sge-up.sh");
		assertThat(script).as("the Grid Engine test cell script (set PORTICO_SHARED_DIR)").isRegularFile();
		SlurmGatewayTests.Run up = SlurmGatewayTests.run(Duration.ofMinutes(5), "bash", script.toString());
		assertThat(up.exit()).as("sge-up.sh failed:%n%s", up.output()).isZero();
		// a queue instance a previous run left disabled would make every start here a refusal
		assertThat(sge("qmod", "-e", QUEUE_INSTANCE).exit()).isZero();
		if (SlurmGatewayTests.run(Duration.ofSeconds(10), "id", "-u", CREATED).exit() != 0) {
			SlurmGatewayTests.Run add = SlurmGatewayTests.run(Duration.ofSeconds(30), "useradd", "-m", "-s", "/bin/bash", CREATED);
			assertThat(add.exit()).as("useradd %s: %s", CREATED, add.output()).isZero();
		}
		portico = PorticoInstance.start(data, "--portico.batch.sge.enabled=true", "--portico.batch.sge.query-interval=1s",
				"--portico.batch.sge.query-jitter=0s", "--portico.batch.sge.job-name-prefix=" + PREFIX,
				"--portico.batch.sge.queue-timeout=2m", "--portico.batch.sge.query-timeout=5s",
				"--portico.batch.sge.command-timeout=10s", "--portico.batch.python=/usr/bin/python3",
				// the pool: all.q's instances as qhost reports them, re-read every second; 2 sessions per GPU
				"--portico.placement.pools.grid.source=sge", "--portico.placement.pools.grid.partition=all.q",
				"--portico.placement.pools.grid.refresh-interval=1s", "--portico.placement.pools.grid.sessions-per-gpu=2",
				"--portico.placement.pools.grid.gpu-memory-mib=16384", "--portico.placement.pools.grid.gpu-binding=environment",
				"--portico.placement.pools.grid.max-hours=2",
				"--portico.profiles.gridshare.display-name=Half a GPU, 2 cores", "--portico.profiles.gridshare.scheduler=sge",
				"--portico.profiles.gridshare.queue=all.q", "--portico.profiles.gridshare.cores=2",
				"--portico.profiles.gridshare.gres=shard:1", "--portico.profiles.gridshare.pool=grid",
				"--portico.profiles.gridshare.default-hours=1", "--portico.profiles.gridshare.max-hours=2",
				"--portico.apps.envdump.display-name=Environment", "--portico.apps.envdump.command[0]=/usr/bin/python3",
				"--portico.apps.envdump.command[1]=-c", "--portico.apps.envdump.command[2]=" + ENV_SERVER,
				"--portico.apps.envdump.command[3]={port}");
		admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		for (String user : USERS) {
			assertThat(admin.post("/hub/api/users/" + user, "{\"password\": \"" + user + "-password\"}").status()).isEqualTo(201);
			HubClient.Response token = admin.post("/hub/api/users/" + user + "/tokens", "{\"note\": \"placement test\"}");
			assertThat(token.status()).as(token.body()).isEqualTo(201);
			clients.put(user, HubClient.withToken(portico.base(), token.json().path("token").asText()));
		}
	}

	@AfterEach
	void stopServers() throws Exception {
		sge("qmod", "-e", QUEUE_INSTANCE);
		for (String user : USERS) {
			ServerRecord record = portico.server(user);
			if (record != null && record.phase().active()) {
				String job = (record.state() != null) ? record.state().id() : null;
				admin.delete("/hub/api/users/" + user + "/server");
				if (job != null) {
					awaitGone(job);
				}
			}
		}
	}

	@AfterAll
	static void stop() throws Exception {
		if (portico != null) {
			portico.close();
		}
		sge("qmod", "-e", QUEUE_INSTANCE);
		// only this class's jobs, by their name prefix
		for (String job : jobs().keySet()) {
			sge("qdel", job);
		}
		Instant deadline = Instant.now().plusSeconds(30);
		while (!jobs().isEmpty() && Instant.now().isBefore(deadline)) {
			Thread.sleep(500);
		}
		SlurmGatewayTests.run(Duration.ofSeconds(30), "userdel", "-r", CREATED);
		Path runtime = data.resolveSibling(data.getFileName() + "-runtime");
		if (Files.isDirectory(runtime)) {
			try (Stream<Path> files = Files.walk(runtime)) {
				files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
			}
		}
	}

	@Test
	@Timeout(300)
	void threeSimultaneousStartsEachRunInItsSeatsQueueInstanceWithItsSlotsGpuAndThreads() throws Exception {
		Map<String, CompletableFuture<HubClient.Response>> starts = new HashMap<>();
		for (String user : USERS) {
			starts.put(user, CompletableFuture.supplyAsync(() -> start(user)));
		}
		for (String user : USERS) {
			HubClient.Response response = starts.get(user).get(60, TimeUnit.SECONDS);
			assertThat(response.status()).as(user + ": " + response.body()).isEqualTo(202);
		}
		Map<Long, Integer> perGpu = new HashMap<>();
		for (String user : USERS) {
			JsonNode env = awaitEnvironment(user);
			JsonNode seat = seat(user);
			System.out.printf("job of %-6s sees %s; seat %s%n", user, env, seat);
			assertThat(seat.path("pool").asText()).isEqualTo("grid");
			assertThat(seat.path("node").asText()).isEqualTo("localhost");
			assertThat(seat.path("cores").asInt()).isEqualTo(2);
			assertThat(seat.path("gpu_slots").asInt()).isEqualTo(1);
			assertThat(seat.path("slots_per_gpu").asInt()).isEqualTo(2);
			assertThat(seat.path("gpu_bound_by").asText()).isEqualTo("environment");
			assertThat(seat.path("gpu").isIntegralNumber()).as(seat.toString()).isTrue();
			// inside the job: what the seat says, set by Portico (Grid Engine binds no device)
			assertThat(env.path("CUDA_VISIBLE_DEVICES").asText()).isEqualTo(seat.path("gpu").asText());
			for (String threads : List.of("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")) {
				assertThat(env.path(threads).asText()).as(threads).isEqualTo(seat.path("cores").asText());
			}
			// and Grid Engine's own view from inside: the seat's queue instance and slots
			assertThat(env.path("QUEUE").asText()).isEqualTo("all.q");
			assertThat(env.path("NSLOTS").asText()).isEqualTo("2");
			assertThat(env.path("PE").asText()).isEqualTo("smp");
			assertThat(env.path("HOSTNAME").asText()).isEqualTo("localhost");
			perGpu.merge(seat.path("gpu").asLong(), 1, Integer::sum);

			// from the scheduler: the job runs in the chosen queue instance with the seat's slots
			String jobId = portico.server(user).state().id();
			assertThat(env.path("JOB_ID").asText()).isEqualTo(jobId);
			Map<String, String> job = awaitRunning(jobId);
			assertThat(job).containsEntry("state", "r").containsEntry("queue_name", QUEUE_INSTANCE).containsEntry("slots", "2")
				.containsEntry("JB_owner", user);
			SlurmGatewayTests.Run detail = sge("qstat", "-j", jobId);
			assertThat(detail.exit()).as(detail.output()).isZero();
			assertThat(detail.output()).containsPattern("(?m)^hard_queue_list:\\s+" + QUEUE_INSTANCE.replace(".", "\\.") + "$")
				.containsPattern("(?m)^parallel environment:\\s+smp range: 2$")
				.doesNotContain("gpu=");
		}
		System.out.println("sessions per GPU: " + perGpu);
		assertThat(perGpu.values()).allSatisfy((n) -> assertThat(n).isLessThanOrEqualTo(2));

		JsonNode pool = admin.get("/hub/api/placement").json().path("pools").path("grid");
		System.out.println("pool: " + pool);
		assertThat(pool.path("sessions").asInt()).isEqualTo(3);
		assertThat(pool.path("gpu_binding").asText()).isEqualTo("environment");
		JsonNode node = pool.path("nodes").get(0);
		assertThat(node.path("name").asText()).isEqualTo("localhost");
		assertThat(node.path("cores").asInt()).as("the queue instance's slots").isEqualTo(16);
		assertThat(node.path("cores_in_use").asInt()).isEqualTo(6);
		assertThat(node.path("open").asBoolean()).isTrue();
	}

	@Test
	@Timeout(300)
	void disablingTheQueueInstanceClosesThePoolAfterTheReReadAndEnablingOpensIt() throws Exception {
		HubClient.Response first = start("bob");
		assertThat(first.status()).as(first.body()).isEqualTo(202);
		awaitEnvironment("bob");
		String bobsJob = portico.server("bob").state().id();

		SlurmGatewayTests.Run disable = sge("qmod", "-d", QUEUE_INSTANCE);
		assertThat(disable.exit()).as(disable.output()).isZero();
		JsonNode closed = awaitNode(false);
		assertThat(closed.path("state").asText()).isEqualTo("queue " + QUEUE_INSTANCE + " state d");
		assertThat(closed.path("seats")).as("bob's session keeps its seat").hasSize(1);

		HubClient.Response refused = start("alice");
		assertThat(refused.status()).as(refused.body()).isEqualTo(409);
		assertThat(refused.json().path("message").asText()).isEqualTo("No node of this queue takes new sessions now "
				+ "(localhost: queue " + QUEUE_INSTANCE + " state d); running sessions go on. Try again later.");
		// refused before anything ran: no job, and no active start on record
		ServerRecord untouched = portico.server("alice");
		assertThat(untouched == null || !untouched.phase().active()).as(String.valueOf(untouched)).isTrue();
		assertThat(jobs()).as("nothing was submitted for alice").containsOnlyKeys(bobsJob);
		assertThat(portico.server("bob").phase()).isEqualTo(ServerPhase.RUNNING);

		SlurmGatewayTests.Run enable = sge("qmod", "-e", QUEUE_INSTANCE);
		assertThat(enable.exit()).as(enable.output()).isZero();
		JsonNode open = awaitNode(true);
		assertThat(open.path("cores_in_use").asInt()).as("bob's session still counts").isEqualTo(2);
		HubClient.Response again = start("alice");
		assertThat(again.status()).as(again.body()).isEqualTo(202);
		JsonNode env = awaitEnvironment("alice");
		assertThat(env.path("QUEUE").asText()).isEqualTo("all.q");
		assertThat(env.path("CUDA_VISIBLE_DEVICES").asText()).isEqualTo(seat("alice").path("gpu").asText());
	}

	// ---- helpers

	private static HubClient.Response start(String user) {
		return clients.get(user).post("/hub/api/users/" + user + "/server", "{\"profile\": \"gridshare\", \"app\": \"envdump\"}");
	}

	private static JsonNode seat(String user) {
		return clients.get(user).get("/hub/api/users/" + user).json().path("servers").path("").path("placement");
	}

	/** Waits until the user's server is ready, then reads the job's environment through the gateway. */
	private static JsonNode awaitEnvironment(String user) throws Exception {
		HubClient client = clients.get(user);
		HubClient.Response progress = client.get("/hub/api/users/" + user + "/server/progress");
		assertThat(progress.body()).as(progress.body()).contains("\"ready\":true");
		HubClient.Response env = client.get("/user/" + user + "/");
		assertThat(env.status()).as(env.body()).isEqualTo(200);
		return env.json();
	}

	/** Waits (30 s at most) until the pool's re-read shows the node open or closed; returns the node. */
	private static JsonNode awaitNode(boolean open) throws Exception {
		Instant deadline = Instant.now().plusSeconds(30);
		JsonNode node = admin.get("/hub/api/placement").json().path("pools").path("grid").path("nodes").get(0);
		while (node.path("open").asBoolean() != open && Instant.now().isBefore(deadline)) {
			Thread.sleep(250);
			node = admin.get("/hub/api/placement").json().path("pools").path("grid").path("nodes").get(0);
		}
		assertThat(node.path("open").asBoolean()).as(node.toString()).isEqualTo(open);
		return node;
	}

	private static void awaitGone(String jobId) throws Exception {
		Instant deadline = Instant.now().plusSeconds(60);
		while (jobs().containsKey(jobId) && Instant.now().isBefore(deadline)) {
			Thread.sleep(500);
		}
		assertThat(jobs()).as("qstat after the stop").doesNotContainKey(jobId);
	}

	/** This class's jobs in {@code qstat -xml -u '*'}: id to the job's elements (state, queue_name, slots, ...). */
	/**
	 * The job's {@code qstat} entry once it says "r". The job already runs (its environment was read), but
	 * qstat keeps "t" (transferring) until the execution daemon's report reaches the qmaster, which on a
	 * loaded machine lags by seconds.
	 */
	private static Map<String, String> awaitRunning(String jobId) throws Exception {
		Instant deadline = Instant.now().plusSeconds(30);
		Map<String, String> job = jobs().get(jobId);
		while (job != null && "t".equals(job.get("state")) && Instant.now().isBefore(deadline)) {
			Thread.sleep(250);
			job = jobs().get(jobId);
		}
		assertThat(job).as("qstat -xml lists job " + jobId).isNotNull();
		return job;
	}

	private static Map<String, Map<String, String>> jobs() throws Exception {
		SlurmGatewayTests.Run qstat = sge("qstat", "-xml", "-u", "*");
		assertThat(qstat.exit()).as(qstat.output()).isZero();
		DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
		factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
		Document document = factory.newDocumentBuilder()
			.parse(new ByteArrayInputStream(qstat.output().getBytes(StandardCharsets.UTF_8)));
		Map<String, Map<String, String>> jobs = new LinkedHashMap<>();
		NodeList lists = document.getElementsByTagName("job_list");
		for (int i = 0; i < lists.getLength(); i++) {
			Map<String, String> job = new HashMap<>();
			NodeList children = lists.item(i).getChildNodes();
			for (int c = 0; c < children.getLength(); c++) {
				if (children.item(c) instanceof Element element) {
					job.put(element.getTagName(), element.getTextContent().strip());
				}
			}
			if (job.getOrDefault("JB_name", "").startsWith(PREFIX)) {
				jobs.put(job.get("JB_job_number"), job);
			}
		}
		return jobs;
	}

	/** A Grid Engine command of the test cell, with its binaries and environment as the spawner has them. */
	private static SlurmGatewayTests.Run sge(String program, String... args) throws Exception {
		List<String> argv = new ArrayList<>();
		argv.add(CELL.binDir() + "/" + program);
		argv.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
		builder.environment().putAll(CELL.environment());
		Process process = builder.start();
		process.getOutputStream().close();
		CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
			try {
				return process.getInputStream().readAllBytes();
			}
			catch (java.io.IOException ex) {
				throw new java.io.UncheckedIOException(ex);
			}
		});
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException(String.join(" ", argv) + " timed out");
		}
		return new SlurmGatewayTests.Run(process.exitValue(), new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
	}
}
