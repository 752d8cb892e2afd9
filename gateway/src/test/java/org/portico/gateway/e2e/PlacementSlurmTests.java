package org.portico.gateway.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 4 on the real one-node Slurm cluster ({@code schedulers/slurm-up.sh}: node {@code localhost} with 16
 * CPUs and {@code Gres=gpu:2,shard:8}, fake GPUs): a pool read from {@code scontrol}, five users starting an
 * interactive GPU-share profile at the same moment, four admitted (16 cores at 4 a seat) and one refused at
 * once with the pool's reason; each job shows inside itself the GPU and share it received; a stop frees a
 * seat the refused user then gets; a gateway restart rebuilds the seats from the database.
 *
 * <p>The server is a small Python HTTP server that answers with its own environment (cheaper than Jupyter),
 * so what the job received is read through the gateway. Users besides alice and bob are created here with
 * {@code useradd} and removed at the end.
 */
@Tag("slurm")
class PlacementSlurmTests {

	static final String PREFIX = "porticoplace";

	static final List<String> CREATED = List.of("pplace1", "pplace2", "pplace3");

	static final List<String> USERS = List.of("alice", "bob", "pplace1", "pplace2", "pplace3");

	/** Serves the job's share as JSON, whatever the path. */
	static final String ENV_SERVER = String.join("\n", "import http.server, json, os, sys",
			"KEYS = ('CUDA_VISIBLE_DEVICES', 'SLURM_JOB_GPUS', 'SLURM_SHARDS_ON_NODE', 'SLURM_JOB_ID', 'SLURMD_NODENAME',",
			"        'SLURM_CPUS_PER_TASK', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS')",
			"class Env(http.server.BaseHTTPRequestHandler):",
			"    def do_GET(self):",
			"        body = json.dumps({k: os.environ.get(k) for k in KEYS}).encode()",
			"        self.send_response(200)",
			"        self.send_header('Content-Type', 'application/json')",
			"        self.send_header('Content-Length', str(len(body)))",
			"        self.end_headers()",
			"        self.wfile.write(body)",
			"    def log_message(self, *args):",
			"        pass",
			"http.server.HTTPServer(('', int(sys.argv[1])), Env).serve_forever()");

	@TempDir
	static Path data;

	static PorticoInstance portico;

	static HubClient admin;

	static int port;

	static final Map<String, HubClient> clients = new ConcurrentHashMap<>();

	@BeforeAll
	static void start() throws Exception {
		Path script = sharedDir().resolve("schedulers/slurm-up.sh");
		assertThat(script).as("the Slurm test cluster script (set PORTICO_SHARED_DIR)").isRegularFile();
		SlurmGatewayTests.Run up = run(Duration.ofMinutes(5), "bash", script.toString());
		assertThat(up.exit()).as("slurm-up.sh failed:%n%s", up.output()).isZero();
		for (String user : CREATED) {
			if (run(Duration.ofSeconds(10), "id", "-u", user).exit() != 0) {
				SlurmGatewayTests.Run add = run(Duration.ofSeconds(30), "useradd", "-m", "-s", "/bin/bash", user);
				assertThat(add.exit()).as("useradd %s: %s", user, add.output()).isZero();
			}
		}
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		portico = startGateway();
		admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		for (String user : USERS) {
			assertThat(admin.post("/hub/api/users/" + user, "{\"password\": \"" + user + "-password\"}").status()).isEqualTo(201);
			HubClient.Response token = admin.post("/hub/api/users/" + user + "/tokens", "{\"note\": \"placement test\"}");
			assertThat(token.status()).as(token.body()).isEqualTo(201);
			clients.put(user, HubClient.withToken(portico.base(), token.json().path("token").asText()));
		}
	}

	static PorticoInstance startGateway() {
		List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--portico.batch.slurm.enabled=true",
				"--portico.batch.slurm.query-interval=1s", "--portico.batch.slurm.query-jitter=0s",
				"--portico.batch.slurm.job-name-prefix=" + PREFIX, "--portico.batch.slurm.queue-timeout=2m",
				"--portico.batch.slurm.query-timeout=3s", "--portico.batch.slurm.command-timeout=10s",
				"--portico.batch.python=/usr/bin/python3",
				// the pool: the interactive partition's nodes as scontrol reports them; 4 shards per GPU as slurm.conf has
				"--portico.placement.pools.shared.source=slurm", "--portico.placement.pools.shared.partition=interactive",
				"--portico.placement.pools.shared.sessions-per-gpu=4", "--portico.placement.pools.shared.gpu-binding=scheduler",
				"--portico.placement.pools.shared.max-hours=2",
				"--portico.profiles.gpushare.display-name=A quarter GPU, 4 cores", "--portico.profiles.gpushare.scheduler=slurm",
				"--portico.profiles.gpushare.queue=interactive", "--portico.profiles.gpushare.cores=4",
				"--portico.profiles.gpushare.memory=256M", "--portico.profiles.gpushare.gres=shard:1",
				"--portico.profiles.gpushare.pool=shared", "--portico.profiles.gpushare.default-hours=1",
				"--portico.profiles.gpushare.max-hours=2",
				"--portico.apps.envdump.display-name=Environment", "--portico.apps.envdump.command[0]=/usr/bin/python3",
				"--portico.apps.envdump.command[1]=-c", "--portico.apps.envdump.command[2]=" + ENV_SERVER,
				"--portico.apps.envdump.command[3]={port}"));
		return PorticoInstance.start(data, args.toArray(String[]::new));
	}

	@AfterAll
	static void stop() throws Exception {
		if (portico != null) {
			for (String user : USERS) {
				ServerRecord record = portico.server(user);
				if (record != null && record.phase().active()) {
					admin.delete("/hub/api/users/" + user + "/server");
				}
			}
			portico.close();
		}
		// only this class's jobs, by their name prefix
		for (String job : jobs(true)) {
			run(Duration.ofSeconds(30), "scancel", job.split("\\|")[0]);
		}
		Instant deadline = Instant.now().plusSeconds(30);
		while (!jobs(false).isEmpty() && Instant.now().isBefore(deadline)) {
			Thread.sleep(500);
		}
		for (String user : CREATED) {
			run(Duration.ofSeconds(30), "userdel", "-r", user);
		}
		Path runtime = data.resolveSibling(data.getFileName() + "-runtime");
		if (Files.isDirectory(runtime)) {
			try (Stream<Path> files = Files.walk(runtime)) {
				files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
			}
		}
	}

	@Test
	void fiveSimultaneousStartsGetFourSeatsAndOneReasonEachJobSeesItsShare() throws Exception {
		// five starts at the same moment (finished jobs of an earlier run stay listed for a few minutes)
		java.util.Set<String> earlier = jobs(true).stream().map((line) -> line.split("\\|")[0]).collect(java.util.stream.Collectors.toSet());
		Map<String, CompletableFuture<HubClient.Response>> starts = new HashMap<>();
		for (String user : USERS) {
			starts.put(user, CompletableFuture.supplyAsync(() -> clients.get(user)
				.post("/hub/api/users/" + user + "/server", "{\"profile\": \"gpushare\", \"app\": \"envdump\"}")));
		}
		List<String> admitted = new ArrayList<>();
		String refusedUser = null;
		for (String user : USERS) {
			HubClient.Response response = starts.get(user).get(60, TimeUnit.SECONDS);
			System.out.printf("start %-8s -> %d %s%n", user, response.status(), response.body());
			if (response.status() == 202) {
				admitted.add(user);
			}
			else {
				assertThat(response.status()).as(response.body()).isEqualTo(409);
				assertThat(response.json().path("message").asText()).contains("4 of 4 seats are taken");
				refusedUser = user;
			}
		}
		assertThat(admitted).as("16 cores at 4 a seat").hasSize(4);
		assertThat(refusedUser).isNotNull();
		// refused before anything was claimed: the user never had a server, and still has no record and no job
		assertThat(portico.server(refusedUser)).isNull();
		String refused = refusedUser;
		assertThat(jobs(true)).as("no job of the refused user")
			.noneMatch((line) -> !earlier.contains(line.split("\\|")[0]) && line.split("\\|")[1].equals(refused));

		Map<String, Integer> perDevice = new HashMap<>();
		for (String user : admitted) {
			JsonNode env = awaitEnvironment(user);
			System.out.printf("job of %-8s sees %s%n", user, env);
			assertThat(env.path("SLURMD_NODENAME").asText()).isEqualTo("localhost");
			assertThat(env.path("SLURM_SHARDS_ON_NODE").asText()).isEqualTo("1");
			assertThat(env.path("CUDA_VISIBLE_DEVICES").asText()).matches("[01]");
			assertThat(env.path("SLURM_CPUS_PER_TASK").asText()).isEqualTo("4");
			for (String threads : List.of("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")) {
				assertThat(env.path(threads).asText()).as(threads).isEqualTo("4");
			}
			perDevice.merge(env.path("CUDA_VISIBLE_DEVICES").asText(), 1, Integer::sum);
			JsonNode seat = clients.get(user).get("/hub/api/users/" + user).json().path("servers").path("").path("placement");
			assertThat(seat.path("node").asText()).isEqualTo("localhost");
			assertThat(seat.path("gpu_slots").asInt()).isEqualTo(1);
			assertThat(seat.path("slots_per_gpu").asInt()).isEqualTo(4);
			assertThat(seat.path("cores").asInt()).isEqualTo(4);
			// Slurm picks a shard's device itself: the seat shows the device the job got, read back from Slurm
			assertThat(seat.path("gpu").asText()).as("seat %s", seat).isEqualTo(env.path("CUDA_VISIBLE_DEVICES").asText());
			assertThat(seat.path("gpu_confirmed").asBoolean()).as("seat %s", seat).isTrue();
			assertThat(seat.path("text").asText()).contains("GPU " + env.path("CUDA_VISIBLE_DEVICES").asText());
		}
		System.out.println("sessions per device inside the jobs: " + perDevice);
		assertThat(perDevice.values()).allSatisfy((n) -> assertThat(n).isLessThanOrEqualTo(4));

		JsonNode pool = admin.get("/hub/api/placement").json().path("pools").path("shared");
		System.out.println("pool: " + pool);
		assertThat(pool.path("sessions").asInt()).isEqualTo(4);
		JsonNode node = pool.path("nodes").get(0);
		assertThat(node.path("cores_in_use").asInt()).isEqualTo(16);
		int used = 0;
		for (JsonNode gpu : node.path("gpus")) {
			assertThat(gpu.path("used").asInt()).isLessThanOrEqualTo(gpu.path("slots").asInt());
			used += gpu.path("used").asInt();
		}
		assertThat(used).isEqualTo(4);
		assertThat(usedPerGpu(node)).as("the pool's view per GPU is what the jobs got").isEqualTo(perDevice);
		assertThat(clients.get(admitted.get(0)).get("/hub/api/placement").status()).isEqualTo(403);

		// a stop frees the seat; the refused user now gets it
		String leaving = admitted.remove(0);
		String leavingJob = portico.server(leaving).state().id();
		assertThat(clients.get(leaving).delete("/hub/api/users/" + leaving + "/server").status()).isIn(202, 204);
		awaitGone(leavingJob);
		awaitPhase(leaving, ServerPhase.STOPPED);
		HubClient.Response again = clients.get(refusedUser)
			.post("/hub/api/users/" + refusedUser + "/server", "{\"profile\": \"gpushare\", \"app\": \"envdump\"}");
		assertThat(again.status()).as(again.body()).isEqualTo(202);
		admitted.add(refusedUser);
		assertThat(awaitEnvironment(refusedUser).path("SLURM_SHARDS_ON_NODE").asText()).isEqualTo("1");

		// a gateway restart: the seats come back from the database before anything else is placed
		portico.close();
		portico = startGateway();
		admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		JsonNode rebuilt = admin.get("/hub/api/placement").json().path("pools").path("shared");
		assertThat(rebuilt.path("sessions").asInt()).as(rebuilt.toString()).isEqualTo(4);
		HubClient.Response late = clients.get(leaving)
			.post("/hub/api/users/" + leaving + "/server", "{\"profile\": \"gpushare\", \"app\": \"envdump\"}");
		assertThat(late.status()).as("the pool is still full after the restart: " + late.body()).isEqualTo(409);
		for (String user : admitted) {
			awaitPhase(user, ServerPhase.RUNNING);
		}
		Map<String, Integer> devicesNow = new HashMap<>();
		for (String user : admitted) {
			devicesNow.merge(awaitEnvironment(user).path("CUDA_VISIBLE_DEVICES").asText(), 1, Integer::sum);
		}
		JsonNode rebuiltNode = admin.get("/hub/api/placement").json().path("pools").path("shared").path("nodes").get(0);
		assertThat(usedPerGpu(rebuiltNode)).as("rebuilt per GPU from the stored devices: " + rebuiltNode).isEqualTo(devicesNow);
		for (String user : admitted) {
			String job = portico.server(user).state().id();
			assertThat(clients.get(user).delete("/hub/api/users/" + user + "/server").status()).isIn(202, 204);
			awaitGone(job);
		}
		Instant deadline = Instant.now().plusSeconds(30);
		while (admin.get("/hub/api/placement").json().path("pools").path("shared").path("sessions").asInt() > 0
				&& Instant.now().isBefore(deadline)) {
			Thread.sleep(250);
		}
		assertThat(admin.get("/hub/api/placement").json().path("pools").path("shared").path("sessions").asInt()).isZero();
	}

	// ---- helpers

	/** A node's sessions per GPU index in the pool's view ({@code "0" -> 3}), GPUs with none left out. */
	private static Map<String, Integer> usedPerGpu(JsonNode node) {
		Map<String, Integer> used = new HashMap<>();
		int index = 0;
		for (JsonNode gpu : node.path("gpus")) {
			if (gpu.path("used").asInt() > 0) {
				used.put(Integer.toString(gpu.has("index") ? gpu.path("index").asInt() : index), gpu.path("used").asInt());
			}
			index++;
		}
		return used;
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

	private static void awaitPhase(String user, ServerPhase phase) throws Exception {
		Instant deadline = Instant.now().plusSeconds(60);
		while (portico.server(user).phase() != phase && Instant.now().isBefore(deadline)) {
			Thread.sleep(250);
		}
		assertThat(portico.server(user).phase()).as(user + ": " + portico.server(user).message()).isEqualTo(phase);
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
		SlurmGatewayTests.Run squeue = run(Duration.ofSeconds(30), "squeue", "-h", "-t", all ? "all" : "PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED",
				"-o", "%i|%u|%T|%j|%P");
		assertThat(squeue.exit()).as(squeue.output()).isZero();
		return squeue.output().lines().filter((line) -> line.split("\\|").length >= 4 && line.split("\\|")[3].startsWith(PREFIX)).toList();
	}

	// the shared helpers of the real-Slurm gateway tests
	private static SlurmGatewayTests.Run run(Duration timeout, String... argv) throws IOException, InterruptedException {
		return SlurmGatewayTests.run(timeout, argv);
	}

	private static Path sharedDir() {
		return SlurmGatewayTests.sharedDir();
	}
}
