package org.portico.spawner.batch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.LocalCommandRunner;
import org.portico.spawner.pbs.PbsScheduler;
import org.portico.spawner.sge.SgeScheduler;
import org.portico.spawner.slurm.SlurmScheduler;

import static org.assertj.core.api.Assertions.assertThat;

class JobScriptRendererTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	@TempDir
	Path dir;

	private HttpServer gateway;

	@AfterEach
	void stopGateway() {
		if (this.gateway != null) {
			this.gateway.stop(0);
		}
	}

	@Test
	void everyTemplateRendersToValidBashWithQuotedValues() {
		JobSpec spec = TestJobs.spec(Map.of("JUPYTER_TOKEN", "tok-123456", "EVIL", "$(touch /tmp/portico-pwned)"),
				List.of("jupyter", "lab", "--port={port}", "a; rm -rf ~"));
		JobScriptRenderer renderer = JobScriptRenderer.classpathOnly();
		for (BatchScheduler scheduler : List.of(SlurmScheduler.defaults(), new SgeScheduler(SgeScheduler.Settings.debian()),
				new PbsScheduler(PbsScheduler.Settings.defaults()))) {
			JobScript rendered = renderer.render(scheduler, spec, null);
			String script = rendered.script();
			assertThat(rendered.secrets()).isEmpty();
			assertThat(script).startsWith("#!/bin/bash\n")
				.contains("# Portico server job 'portico-alice-lab' for 'alice'")
				.contains("cd '/home/alice' ||")
				.contains("PORTICO_CALLBACK_SECRET='" + TestJobs.SECRET + "'\nportico_server_environment() {\n")
				.contains("\texport EVIL='$(touch /tmp/portico-pwned)'\n")
				.contains("\tportico_server_environment\n\texec 'jupyter' 'lab' '--port='\"$PORTICO_PORT\" 'a; rm -rf ~'\n")
				.contains("PORTICO_CALLBACK_SECRET=\"$PORTICO_CALLBACK_SECRET\" 'python3' - ");
			// inline, the secret is on exactly one line, as a shell variable that is not exported
			assertThat(script.lines().filter((l) -> l.contains(TestJobs.SECRET)).toList()).hasSize(1);
			CommandResult syntax = bash("-n", write(script));
			assertThat(syntax.exitCode()).as(scheduler.name() + ": " + syntax.stderr()).isZero();
		}
		assertThat(renderer.render(SlurmScheduler.defaults(), spec, null).script())
			.contains("PORTICO_NODE=\"${SLURMD_NODENAME:-$(hostname)}\"");
		assertThat(renderer.render(new PbsScheduler(PbsScheduler.Settings.defaults()), spec, null).script())
			.contains("PORTICO_NODE=\"$(hostname)\"");
	}

	@Test
	void aPlacementSeatIsPinnedInTheServersSubshellAndOnTheSbatchLine() {
		JobSpec plain = TestJobs.spec();
		JobSpec seat = new JobSpec(plain.user(), plain.jobName(), "interactive", null, 2, 4096, 0, "shard:1", plain.walltime(), false,
				plain.workDir(), plain.outputFile(), "gpu07", plain.environment(), plain.command(), plain.callbackUrl(),
				plain.callbackSecret(), plain.startTimeout(), Map.of("OMP_NUM_THREADS", "2", "CUDA_VISIBLE_DEVICES", "1"), true);
		String script = JobScriptRenderer.classpathOnly().render(SlurmScheduler.defaults(), seat, null).script();
		assertThat(script).contains("\tportico_server_environment\n")
			.contains("\texport CUDA_VISIBLE_DEVICES='1'\n\texport OMP_NUM_THREADS='2'\n\texec ");
		assertThat(bash("-n", write(script)).exitCode()).isZero();
		assertThat(SlurmScheduler.defaults().submit(seat).argv()).contains("--nodelist=gpu07", "--gres=shard:1", "--cpus-per-task=2",
				"--oversubscribe");
		assertThat(SlurmScheduler.defaults().submit(plain).argv()).doesNotContain("--oversubscribe");
		assertThat(JobScriptRenderer.classpathOnly().render(SlurmScheduler.defaults(), plain, null).script()).doesNotContain("OMP_NUM_THREADS");
		org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> new JobSpec(plain.user(), plain.jobName(),
				null, null, 1, 0, 0, null, plain.walltime(), false, plain.workDir(), plain.outputFile(), null, Map.of(), plain.command(),
				plain.callbackUrl(), plain.callbackSecret(), plain.startTimeout(), Map.of("OMP_NUM_THREADS", "2; id"), false));
	}

	@Test
	void withASecretsFileTheScriptHoldsNoSecret() {
		JobSpec spec = TestJobs.spec(Map.of("JUPYTER_TOKEN", "tok-123456"), List.of("jupyter", "lab"));
		JobScript rendered = JobScriptRenderer.classpathOnly()
			.render(new SgeScheduler(SgeScheduler.Settings.debian()), spec, Path.of("/home/alice/.portico/.portico-K.secrets"));
		assertThat(rendered.script()).doesNotContain(TestJobs.SECRET)
			.doesNotContain("tok-123456")
			.contains(". '/home/alice/.portico/.portico-K.secrets' ||")
			.contains("rm -f '/home/alice/.portico/.portico-K.secrets'\n");
		assertThat(rendered.secrets()).isEqualTo("PORTICO_CALLBACK_SECRET='" + TestJobs.SECRET + "'\n"
				+ "portico_server_environment() {\n\texport JUPYTER_TOKEN='tok-123456'\n\t:\n}\n");
		assertThat(rendered.toString()).doesNotContain(TestJobs.SECRET);
		assertThat(bash("-n", write(rendered.script())).exitCode()).isZero();
	}

	@Test
	void aSiteDirectoryOverridesTheClasspathTemplate() throws IOException {
		Files.createDirectories(this.dir.resolve("batch"));
		Files.writeString(this.dir.resolve("batch/slurm.sh.ftl"), "#!/bin/bash\n#SBATCH --constraint=site\n# for [=spec.user]\n<#include \"server.sh.ftl\">\n");
		String script = new JobScriptRenderer(this.dir, "/usr/bin/python3").render(SlurmScheduler.defaults(), TestJobs.spec(), null).script();
		assertThat(script).startsWith("#!/bin/bash\n#SBATCH --constraint=site\n# for 'alice'\n").contains("'/usr/bin/python3' - ");
	}

	/**
	 * Runs the rendered Slurm script with bash (no scheduler), secrets in a file: hostile values reach the
	 * server intact and inert, the job reports host and port with the secret (retrying after a 503), the
	 * secret never shows in any process's argument list, the file is deleted, and SIGTERM stops the server.
	 */
	@Test
	void theScriptStartsTheServerAndReportsItWithTheSecret() throws Exception {
		BlockingQueue<String[]> reports = new LinkedBlockingQueue<>();
		AtomicInteger calls = new AtomicInteger();
		this.gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.gateway.createContext("/ready/", (exchange) -> {
			String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
			reports.add(new String[] { exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Authorization"), body });
			int status = (calls.incrementAndGet() == 1) ? 503 : 200; // the first report is answered "retry later"
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		this.gateway.start();
		Path out = this.dir.resolve("server.json");
		String server = String.join("\n", "import http.server, json, os, sys",
				"json.dump({'argv': sys.argv[2:], 'env': {k: os.environ.get(k) for k in ('EVIL', 'QUOTE', 'NEWLINE', 'PORTICO_CALLBACK_SECRET')}}, open(sys.argv[1], 'w'))",
				"http.server.HTTPServer(('127.0.0.1', int(sys.argv[2])), http.server.SimpleHTTPRequestHandler).serve_forever()");
		Map<String, String> env = Map.of("EVIL", "$(touch /tmp/portico-pwned)", "QUOTE", "it's \"quoted\" `id`", "NEWLINE",
				"a\nb", "PATH", "/usr/local/bin:/usr/bin:/bin");
		JobSpec spec = new JobSpec("alice", "portico-alice-lab", null, null, 1, 0, 0, null, Duration.ofHours(1), false, this.dir,
				this.dir.resolve("out.log"), null, env, List.of("python3", "-c", server, out.toString(), "{port}", "a; rm -rf ~", "$(id)"),
				URI.create("http://127.0.0.1:" + this.gateway.getAddress().getPort() + "/ready/KEY0123456789abcdef"), TestJobs.SECRET,
				Duration.ofSeconds(30));
		Path secrets = this.dir.resolve(".portico-KEY.secrets");
		JobScript rendered = JobScriptRenderer.classpathOnly().render(SlurmScheduler.defaults(), spec, secrets);
		Files.writeString(secrets, rendered.secrets());
		Files.setPosixFilePermissions(secrets, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
		assertThat(rendered.script()).doesNotContain(TestJobs.SECRET).doesNotContain("portico-pwned");
		Path script = write(rendered.script());
		ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("job.out").toFile());
		builder.environment().put("SLURMD_NODENAME", "localhost");
		Process job = builder.start();
		try {
			String[] first = reports.poll(30, TimeUnit.SECONDS);
			assertThat(first).as("first report; job output: %s", jobOutput()).isNotNull();
			assertThatNoProcessShowsTheSecret();
			String[] second = reports.poll(15, TimeUnit.SECONDS);
			assertThat(second).as("retried report; job output: %s", jobOutput()).isNotNull();
			assertThat(second[0]).isEqualTo("/ready/KEY0123456789abcdef");
			assertThat(second[1]).isEqualTo("Bearer " + TestJobs.SECRET);
			JsonNode report = JSON.readTree(second[2]);
			assertThat(report.get("host").asText()).isEqualTo("localhost");
			int port = report.get("port").asInt();
			HttpResponse<String> page = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
						HttpResponse.BodyHandlers.ofString());
			assertThat(page.statusCode()).isEqualTo(200);
			JsonNode seen = JSON.readTree(out.toFile());
			assertThat(seen.get("argv").get(1).asText()).isEqualTo("a; rm -rf ~");
			assertThat(seen.get("argv").get(2).asText()).isEqualTo("$(id)");
			assertThat(seen.get("env").get("EVIL").asText()).isEqualTo("$(touch /tmp/portico-pwned)");
			assertThat(seen.get("env").get("QUOTE").asText()).isEqualTo("it's \"quoted\" `id`");
			assertThat(seen.get("env").get("NEWLINE").asText()).isEqualTo("a\nb");
			assertThat(seen.get("env").get("PORTICO_CALLBACK_SECRET").isNull()).as("the server must not inherit the secret").isTrue();
			assertThat(Path.of("/tmp/portico-pwned")).doesNotExist();
			assertThat(secrets).as("the job deletes its secrets file once read").doesNotExist();
		}
		finally {
			job.destroy(); // SIGTERM: the script's trap forwards it to the server
			assertThat(job.waitFor(10, TimeUnit.SECONDS)).as("job script ends after SIGTERM").isTrue();
			job.descendants().forEach(ProcessHandle::destroyForcibly);
		}
		assertThat(jobOutput()).doesNotContain(TestJobs.SECRET);
	}

	private void assertThatNoProcessShowsTheSecret() throws IOException {
		try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
			procs.filter((p) -> p.getFileName().toString().matches("[0-9]+")).forEach((p) -> {
				try {
					String cmdline = Files.readString(p.resolve("cmdline"), StandardCharsets.ISO_8859_1);
					assertThat(cmdline).as("argv of pid " + p.getFileName()).doesNotContain(TestJobs.SECRET);
				}
				catch (IOException ex) {
					// the process ended meanwhile
				}
			});
		}
	}

	private String jobOutput() {
		try {
			return Files.readString(this.dir.resolve("job.out"));
		}
		catch (IOException ex) {
			return "(none)";
		}
	}

	private Path write(String script) {
		try {
			return Files.writeString(Files.createTempFile(this.dir, "job", ".sh"), script);
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	private static CommandResult bash(String... args) {
		List<String> argv = new java.util.ArrayList<>(List.of("bash"));
		argv.addAll(List.of(args));
		return LocalCommandRunner.defaults().run(new CommandLine(argv, Map.of(), Duration.ofSeconds(10))).block(Duration.ofSeconds(20));
	}

	private static CommandResult bash(String flag, Path file) {
		return bash(flag, file.toString());
	}
}
