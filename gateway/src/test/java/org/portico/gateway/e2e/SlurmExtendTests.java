package org.portico.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6, extend through the scheduler, on the real one-node Slurm cluster ({@code schedulers/slurm-up.sh}):
 * alice's Jupyter job, started for 1 h on a profile of at most 2 h, is extended by 1 h through the API and
 * Slurm's own {@code TimeLimit} reads 02:00:00; an extension beyond the profile's maximum is refused with
 * nothing changed; and when Slurm refuses (the time-limit prefix runs {@code scontrol} as alice, whom Slurm
 * does not let raise a limit), the user gets Slurm's words and the gateway's expiry does not move.
 */
@Tag("slurm")
class SlurmExtendTests {

	static final String PREFIX = "porticoext";

	static final Pattern TIME_LIMIT = Pattern.compile("\\bTimeLimit=(\\S+)");

	@TempDir
	static Path data;

	static PorticoInstance portico;

	static int port;

	@BeforeAll
	static void start() throws Exception {
		Path script = SlurmGatewayTests.sharedDir().resolve("schedulers/slurm-up.sh");
		assertThat(script).as("the Slurm test cluster script (set PORTICO_SHARED_DIR)").isRegularFile();
		SlurmGatewayTests.Run up = SlurmGatewayTests.run(Duration.ofMinutes(5), "bash", script.toString());
		assertThat(up.exit()).as("slurm-up.sh failed:%n%s", up.output()).isZero();
		assertThat(Path.of("/usr/bin/jupyter-notebook")).as("Debian's jupyter-notebook (./portico test installs it)").exists();
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
	}

	/** The gateway; {@code timeLimitPrefix} is how it runs scontrol to lengthen a job (empty: as itself, root). */
	static PorticoInstance startGateway(String timeLimitPrefix) {
		// a fixed port across restarts: a job reports to the callback URL it was submitted with
		return PorticoInstance.start(data, "--server.port=" + port, "--portico.batch.slurm.enabled=true",
				"--portico.batch.slurm.query-interval=1s", "--portico.batch.slurm.query-jitter=0s",
				"--portico.batch.slurm.job-name-prefix=" + PREFIX, "--portico.batch.slurm.queue-timeout=2m",
				"--portico.batch.slurm.query-timeout=3s", "--portico.batch.slurm.command-timeout=10s",
				"--portico.batch.slurm.time-limit-prefix=" + timeLimitPrefix, "--portico.batch.python=/usr/bin/python3",
				"--portico.profiles.small.scheduler=slurm", "--portico.profiles.small.queue=interactive",
				"--portico.profiles.small.cores=1", "--portico.profiles.small.memory=512M",
				"--portico.profiles.small.default-hours=1", "--portico.profiles.small.max-hours=2");
	}

	@AfterAll
	static void stop() throws Exception {
		if (portico != null) {
			ServerRecord record = portico.server("alice");
			if (record != null && record.phase().active()) {
				HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN).delete("/hub/api/users/alice/server");
			}
			portico.close();
		}
		// only this class's jobs, by the job-name prefix it submits with
		for (String job : jobs()) {
			SlurmGatewayTests.run(Duration.ofSeconds(30), "scancel", job);
		}
		Path runtime = data.resolveSibling(data.getFileName() + "-runtime");
		if (Files.isDirectory(runtime)) {
			try (Stream<Path> files = Files.walk(runtime)) {
				files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
			}
		}
	}

	@Test
	void anExtensionLengthensTheSlurmJobWithinTheProfilesMaximumAndARefusalChangesNothing() throws Exception {
		// first a gateway whose time-limit prefix runs scontrol as alice, whom Slurm does not let raise a limit
		portico = startGateway("runuser,-u,alice,--");
		HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
		assertThat(admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}").status()).isEqualTo(201);
		HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");

		HubClient.Response start = alice.post("/hub/api/users/alice/server", "{\"profile\": \"small\", \"hours\": 1}");
		assertThat(start.status()).as(start.body()).isEqualTo(202);
		assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
		ServerRecord record = portico.server("alice");
		assertThat(record.phase()).isEqualTo(ServerPhase.RUNNING);
		assertThat(record.profile()).isEqualTo("small");
		String jobId = record.state().id();
		assertThat(timeLimit(jobId)).isEqualTo("01:00:00");
		Instant expires = record.expiresAt();

		// Slurm refuses: its words reach the user (502), and neither its limit nor the gateway's expiry moves
		HubClient.Response refused = alice.post("/hub/api/users/alice/server/extend", "{\"hours\": 1}");
		assertThat(refused.status()).as(refused.body()).isEqualTo(502);
		assertThat(refused.json().path("message").asText()).contains("slurm refused to change the time limit of job " + jobId)
			.contains("Access/permission denied");
		assertThat(timeLimit(jobId)).isEqualTo("01:00:00");
		assertThat(portico.server("alice").expiresAt()).isEqualTo(expires);
		assertThat(alice.get("/hub/api/users/alice").json().path("servers").path("").path("expires_at").asText())
			.isEqualTo(expires.toString());

		// the same job after a restart with the default prefix (the gateway's own user, root here)
		portico.close();
		portico = startGateway("");
		alice = new HubClient(portico.base()).login("alice", "alice-password");
		RestartTests.waitUntil(Duration.ofSeconds(90), () -> portico.server("alice").phase() == ServerPhase.RUNNING);
		assertThat(portico.server("alice").state().id()).isEqualTo(jobId);

		// +1 h: Slurm's limit and the gateway's expiry both move
		HubClient.Response extended = alice.post("/hub/api/users/alice/server/extend", "{\"hours\": 1}");
		assertThat(extended.status()).as(extended.body()).isEqualTo(200);
		assertThat(Instant.parse(extended.json().path("expires_at").asText())).isEqualTo(expires.plusSeconds(3600));
		assertThat(timeLimit(jobId)).isEqualTo("02:00:00");
		assertThat(portico.server("alice").expiresAt()).isEqualTo(expires.plusSeconds(3600));

		// beyond the profile's 2 h: refused before Slurm is asked; nothing changed
		HubClient.Response tooLong = alice.post("/hub/api/users/alice/server/extend", "{\"hours\": 0.5}");
		assertThat(tooLong.status()).isEqualTo(400);
		assertThat(tooLong.json().path("message").asText()).contains("at most 2 h");
		assertThat(timeLimit(jobId)).isEqualTo("02:00:00");
		assertThat(portico.server("alice").expiresAt()).isEqualTo(expires.plusSeconds(3600));

		assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
	}

	/** The job's TimeLimit as {@code scontrol show job} prints it. */
	static String timeLimit(String jobId) throws Exception {
		SlurmGatewayTests.Run show = SlurmGatewayTests.run(Duration.ofSeconds(30), "scontrol", "show", "job", jobId);
		assertThat(show.exit()).as(show.output()).isZero();
		Matcher m = TIME_LIMIT.matcher(show.output());
		assertThat(m.find()).as(show.output()).isTrue();
		return m.group(1);
	}

	/** This class's active jobs in squeue, by id. */
	static List<String> jobs() throws Exception {
		SlurmGatewayTests.Run squeue = SlurmGatewayTests.run(Duration.ofSeconds(30), "squeue", "-h", "-o", "%i|%j");
		List<String> ids = new ArrayList<>();
		squeue.output().lines().filter((line) -> line.contains("|" + PREFIX)).forEach((line) -> ids.add(line.split("\\|")[0]));
		return ids;
	}
}
