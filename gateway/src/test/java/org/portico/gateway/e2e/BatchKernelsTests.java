package org.portico.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 5 for servers that run as batch jobs under the user's own account, on the real one-node Slurm
 * cluster: the gateway runs kernel-tools as alice (runuser), so her kernel lands in her real home, owned
 * by her, and nothing is written there with the gateway's rights; her Jupyter, a Slurm job running as
 * her, makes it the default and runs it with the module's variables and her venv's package.
 */
@Tag("slurm")
@Tag("modules")
@Tag("jupyter")
class BatchKernelsTests {

	static final String PREFIX = "porticokern";

	static final Path ALICE_HOME = Path.of("/home/alice");

	static final Path KERNEL_DIR = ALICE_HOME.resolve(".local/share/jupyter/kernels/portico-test-ml");

	static final Path VENV = ALICE_HOME.resolve("venvs/portico-test-ml");

	@TempDir
	static Path data;

	/** The module tree: outside the private temp folders, so that alice can read it. */
	static Path modules;

	@BeforeAll
	static void clusterAndModules() throws Exception {
		Path script = SlurmGatewayTests.sharedDir().resolve("schedulers/slurm-up.sh");
		SlurmGatewayTests.Run up = SlurmGatewayTests.run(Duration.ofMinutes(5), "bash", script.toString());
		assertThat(up.exit()).as("slurm-up.sh failed:%n%s", up.output()).isZero();
		assertThat(ALICE_HOME).as("slurm-up.sh makes alice with a home").isDirectory();
		modules = Files.createTempDirectory(Path.of("/tmp"), "portico-kernel-modules");
		Files.setPosixFilePermissions(modules, PosixFilePermissions.fromString("rwxr-xr-x"));
		SlurmGatewayTests.Run fixture = SlurmGatewayTests.run(Duration.ofSeconds(30), "bash",
				SlurmGatewayTests.sharedDir().resolve("schedulers/modules-fixture.sh").toString(), modules.toString());
		assertThat(fixture.exit()).as(fixture.output()).isZero();
		SlurmGatewayTests.run(Duration.ofSeconds(10), "chmod", "-R", "a+rX", modules.toString());
		// alice's own venv, with a package only it has, made by alice
		cleanAliceFiles();
		asAlice("/usr/bin/python3", "-m", "venv", "--system-site-packages", VENV.toString());
		asAlice("/usr/bin/python3", "-c", "import pathlib, sys; p = next(pathlib.Path(sys.argv[1]).glob('lib/python3*/site-packages'));"
				+ " (p / 'portico_marker.py').write_text(\"WHERE = 'alice venv'\\n\")", VENV.toString());
	}

	@AfterAll
	static void cleanUp() throws Exception {
		SlurmGatewayTests.Run squeue = SlurmGatewayTests.run(Duration.ofSeconds(30), "squeue", "-h", "-t", "all", "-o", "%i|%j");
		for (String line : squeue.output().lines().toList()) {
			String[] fields = line.split("\\|");
			if (fields.length == 2 && fields[1].startsWith(PREFIX)) {
				SlurmGatewayTests.run(Duration.ofSeconds(30), "scancel", fields[0]);
			}
		}
		cleanAliceFiles();
		if (modules != null) {
			delete(modules);
		}
		delete(data.resolveSibling(data.getFileName() + "-runtime"));
	}

	@Test
	void theKernelIsMadeAsTheUserInTheirHomeAndRunsInTheirSlurmJob() throws Exception {
		// Tcl modulefiles: both module systems read them (the fixture prints this MODULEPATH)
		String modulePath = modules.resolve("tcl").toString();
		try (PorticoInstance portico = PorticoInstance.start(data, "--portico.batch.slurm.enabled=true",
				"--portico.batch.slurm.query-interval=1s", "--portico.batch.slurm.query-jitter=0s",
				"--portico.batch.slurm.job-name-prefix=" + PREFIX, "--portico.batch.python=/usr/bin/python3",
				"--portico.kernels.module-path=" + modulePath, "--portico.profiles.small.scheduler=slurm",
				"--portico.profiles.small.queue=interactive", "--portico.profiles.small.cores=1",
				"--portico.profiles.small.memory=512M", "--portico.profiles.small.default-hours=1",
				"--portico.profiles.small.max-hours=2")) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			assertThat(admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}").status()).isEqualTo(201);
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");

			assertThat(alice.get("/hub/api/users/alice/environments").body()).as("discovered in her real home")
				.contains("venvs/portico-test-ml");
			HubClient.Response unknown = alice.post("/hub/api/users/alice/kernels",
					"{\"name\": \"bad\", \"modules\": [\"nosuch/1.0\"], \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/portico-test-ml\"}}");
			assertThat(unknown.status()).as(unknown.body()).isEqualTo(400);
			assertThat(unknown.json().path("message").asText()).contains("nosuch");

			HubClient.Response created = alice.post("/hub/api/users/alice/kernels", "{\"name\": \"portico-test-ml\", \"modules\": [\"cuda/12.4\"],"
					+ " \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/portico-test-ml\"}}");
			assertThat(created.status()).as(created.body()).isEqualTo(201);

			// made by alice, in her home: every file of the kernel is hers; nothing went to the gateway's folder
			assertThat(KERNEL_DIR.resolve("kernel.json")).isRegularFile();
			try (Stream<Path> files = Files.walk(ALICE_HOME.resolve(".local"))) {
				for (Path file : files.toList()) {
					assertThat(Files.getOwner(file).getName()).as(file.toString()).isEqualTo("alice");
				}
			}
			assertThat(data.resolve("users/alice/.local")).doesNotExist();
			assertThat(alice.get("/hub/api/users/alice/kernels/portico-test-ml/check").json().path("ok").asBoolean()).isTrue();
			assertThat(alice.get("/hub/spawn").body()).contains("<option value=\"portico-test-ml\">portico-test-ml</option>");

			// a portal account with no account on the cluster gets a clear answer, not a stack trace
			admin.post("/hub/api/users/nohome", "{\"password\": \"nohome-password\"}");
			HubClient.Response homeless = admin.get("/hub/api/users/nohome/kernels");
			assertThat(homeless.status()).as(homeless.body()).isEqualTo(409);
			assertThat(homeless.json().path("message").asText()).contains("/home/nohome").contains("does not exist");

			// her Jupyter, a Slurm job as alice, makes the kernel the default and runs it
			HubClient.Response start = alice.post("/hub/api/users/alice/server",
					"{\"profile\": \"small\", \"hours\": 0.5, \"kernel\": \"portico-test-ml\"}");
			assertThat(start.status()).as(start.body()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("Submitted job").contains("\"ready\":true");
			String jobId = portico.server("alice").state().id();
			assertThat(alice.get("/user/alice/api/kernelspecs").json().path("default").asText()).isEqualTo("portico-test-ml");
			HubClient.Response kernel = alice.post("/user/alice/api/kernels", "{\"name\": \"portico-test-ml\"}");
			assertThat(kernel.status()).as(kernel.body()).isEqualTo(201);
			String seen = alice.execute("alice", kernel.json().get("id").asText(),
					"import getpass, os, sys, portico_marker; (getpass.getuser(), os.environ.get('CUDA_HOME'), sys.prefix, portico_marker.WHERE)",
					Map.of());
			assertThat(seen).contains("'alice'").contains(modules.resolve("fakeroot/cuda-12.4").toString()).contains(VENV.toString())
				.contains("alice venv");

			assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
			awaitGone(jobId);
			assertThat(alice.delete("/hub/api/users/alice/kernels/portico-test-ml").status()).isEqualTo(204);
			assertThat(KERNEL_DIR).doesNotExist();
			assertThat(alice.get("/hub/spawn").body()).doesNotContain("portico-test-ml");
		}
	}

	private static void awaitGone(String jobId) throws Exception {
		Instant deadline = Instant.now().plusSeconds(60);
		while (Instant.now().isBefore(deadline)) {
			SlurmGatewayTests.Run squeue = SlurmGatewayTests.run(Duration.ofSeconds(30), "squeue", "-h", "-j", jobId, "-o", "%T");
			if (squeue.exit() != 0 || squeue.output().isBlank() || squeue.output().contains("COMPLETED") || squeue.output().contains("CANCELLED")) {
				return;
			}
			Thread.sleep(500);
		}
		throw new AssertionError("job " + jobId + " still runs after the stop");
	}

	private static void asAlice(String... argv) throws Exception {
		String[] all = Stream.concat(Stream.of("runuser", "-u", "alice", "--"), Stream.of(argv)).toArray(String[]::new);
		SlurmGatewayTests.Run run = SlurmGatewayTests.run(Duration.ofMinutes(2), all);
		assertThat(run.exit()).as(String.join(" ", argv) + ": " + run.output()).isZero();
	}

	private static void cleanAliceFiles() throws Exception {
		delete(KERNEL_DIR);
		delete(VENV);
	}

	private static void delete(Path dir) throws Exception {
		if (Files.exists(dir)) {
			try (Stream<Path> files = Files.walk(dir)) {
				files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
			}
		}
	}
}
