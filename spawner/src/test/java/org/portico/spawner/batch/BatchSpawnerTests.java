package org.portico.spawner.batch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.ServerStatus;
import org.portico.spawner.SpawnException;
import org.portico.spawner.SpawnHandle;
import org.portico.spawner.SpawnProgress;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.StopMode;
import org.portico.spawner.exec.CommandPrefix;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.FakeCommandRunner;
import org.portico.spawner.slurm.SlurmScheduler;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.portico.spawner.exec.FakeCommandRunner.program;

/** The spawner on a scripted runner and virtual time, with the real Slurm adapter and real output lines. */
class BatchSpawnerTests {

	private static final String LINE = "%s|%s|%s|%s|alice|4294901749|2026-11-25T04:16:01|%s|2:00:00|%s|%s|%s|portico-alice-lab|";

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

	private final FakeCommandRunner runner = new FakeCommandRunner();

	private final AtomicReference<String> squeue = new AtomicReference<>("");

	private final SlurmScheduler slurm = new SlurmScheduler(ZoneOffset.UTC, Map.of(), Duration.ofSeconds(30));

	private final SchedulerView view = new SchedulerView(this.slurm, this.runner, new SchedulerView.Settings(Duration.ofSeconds(10),
			Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(2), "portico-", Duration.ofSeconds(1)), this.time, () -> 0L);

	private final ReadinessCallbacks callbacks = new ReadinessCallbacks(Pattern.compile("node[0-9]+"), 3);

	private final BatchOptions options = new BatchOptions("batch", null, 2, 2048, 0, null, Duration.ofHours(2), false, null);

	private final BatchOptions.Limits limits = new BatchOptions.Limits(Duration.ofHours(8), 8, 16384, 1, Set.of("batch"), this.options);

	private final AtomicReference<Map<String, String>> form = new AtomicReference<>(Map.of());

	private final BatchSpawner spawner = new BatchSpawner(this.slurm, this.view, JobScriptRenderer.classpathOnly(), this.runner,
			CommandPrefix.runuser(), this.callbacks, (request) -> Mono.fromCallable(() -> BatchOptions.fromForm(this.form.get(), this.limits)),
			new BatchSpawnerSettings(URI.create("https://gw.example/hub/api/batch/ready/"), "portico", Duration.ofMinutes(10),
					Duration.ofSeconds(30), Duration.ofSeconds(20), 5, true, this.time));

	private final SpawnRequest request = new SpawnRequest("alice", "lab", List.of("jupyter", "lab", "--port={port}"),
			Map.of("JUPYTER_TOKEN", "tok-secret-123"), Path.of("/home/alice"), Path.of("/home/alice/.portico/lab.log"), Duration.ofMinutes(3));

	BatchSpawnerTests() {
		this.runner.answer(program("squeue"), (call) -> Mono.just(CommandResult.of(0, this.squeue.get(), "")), false);
		this.runner.on(program("sbatch"), CommandResult.of(0, "123\n", ""));
		this.runner.on(program("scancel"), CommandResult.of(0, "", ""));
		this.runner.on(program("install"), CommandResult.of(0, "", ""));
		this.runner.on(program("dd"), CommandResult.of(0, "", ""));
		this.runner.on(program("rm"), CommandResult.of(0, "", ""));
		this.runner.on(program("sacct"), CommandResult.of(1, "", "Slurm accounting storage is disabled\n"));
		this.runner.on(program("tail"), CommandResult.of(0, "Jupyter starting, token=tok-secret-123\nError: boom\n", ""));
		this.view.start();
		this.time.advanceTime();
	}

	@AfterEach
	void close() {
		this.view.close();
		this.time.dispose();
	}

	private void listed(String state, String node, String start, String left, String exit, String reason) {
		this.squeue.set(String.format(LINE, "123", state, node, "batch", start, left, exit, reason) + "\n");
	}

	private void tick() {
		this.time.advanceTimeBy(Duration.ofSeconds(10));
	}

	private SpawnHandle start() {
		return this.spawner.start(this.request).block(Duration.ofSeconds(10));
	}

	@Test
	void submitsAsTheUserAndFollowsTheJobUntilItsServerReportsReady() {
		SpawnHandle handle = start();
		assertThat(handle.state().id()).isEqualTo("123");
		assertThat(handle.state().spawner()).isEqualTo("slurm");
		assertThat(handle.state().data()).containsKeys("callbackKey", "secretHash", "submittedAt").doesNotContainValue(secretOf());
		FakeCommandRunner.Call submit = this.runner.calls(program("sbatch")).get(0);
		assertThat(submit.argv()).startsWith("runuser", "-u", "alice", "--", "sbatch", "--parsable", "--export=NONE",
				"--job-name=portico-alice-lab");
		assertThat(submit.stdin()).startsWith("#!/bin/bash\n").doesNotContain("tok-secret-123").doesNotContain(secretOf());
		String secretsFile = handle.state().get("secretsFile");
		assertThat(secretsFile).matches("/home/alice/\\.portico/\\.portico-[A-Za-z0-9_-]+\\.secrets");
		assertThat(this.runner.calls(program("install")).get(0).argv()).containsExactly("runuser", "-u", "alice", "--", "install",
				"-m", "600", "-D", "/dev/null", secretsFile);
		assertThat(this.runner.calls(program("dd")).get(0).stdin()).contains("export JUPYTER_TOKEN='tok-secret-123'");

		listed("PENDING", "n/a", "2026-11-25T07:16:00", "2:00:00", "0", "Priority");
		tick();
		listed("RUNNING", "node7", "2026-11-25T04:20:00", "1:59:40", "0", "None");
		tick();
		String key = handle.state().get("callbackKey");
		assertThat(this.callbacks.accept(key, secretOf(), "node8", 8888).outcome()).isEqualTo(ReadinessCallbacks.Outcome.HOST_NOT_ALLOWED);
		assertThat(this.callbacks.accept(key, secretOf(), "node7", 8888).outcome()).isEqualTo(ReadinessCallbacks.Outcome.ACCEPTED);

		assertThat(handle.ready().block(Duration.ofSeconds(5))).isEqualTo(new ServerEndpoint("node7", 8888));
		assertThat(handle.progress().map(SpawnProgress::message).collectList().block(Duration.ofSeconds(5))).containsExactly(
				"Submitted job 123 to slurm", "Waiting for slurm: not listed by the scheduler yet",
				"Queued in batch: Priority, position 1 of 1, estimated start " + local("2026-11-25T07:16:00Z"),
				"Job 123 is running on node node7 (1:59:40 of walltime left)", "Server starting on node node7",
				"Server ready at node7:8888");
		assertThat(this.spawner.poll(handle.state()).block(Duration.ofSeconds(5)))
			.isEqualTo(new ServerStatus.Running(new ServerEndpoint("node7", 8888)));
	}

	@Test
	void aHostileFormValueIsRefusedBeforeAnyCommandRuns() {
		int before = this.runner.calls().size();
		for (Map<String, String> hostile : List.of(Map.of("queue", "a; rm -rf ~"), Map.of("hours", "-5"), Map.of("hours", "100000"),
				Map.of("account", "$(id)"), Map.of("cores", "2\n#SBATCH --uid=0"))) {
			this.form.set(hostile);
			assertThatThrownBy(this::start).isInstanceOf(SpawnException.class)
				.satisfies((ex) -> assertThat(((SpawnException) ex).reason()).isEqualTo("invalid"));
		}
		assertThat(this.runner.calls().subList(before, this.runner.calls().size())).isEmpty();
	}

	@Test
	void aRefusedSubmissionShowsTheSchedulersWords() {
		this.runner.clearRules()
			.on(program("sbatch"), CommandResult.of(1, "", TestJobs.resource("slurm/sbatch-invalid-partition.stderr")))
			.on(program("install"), CommandResult.of(0, "", ""))
			.on(program("dd"), CommandResult.of(0, "", ""))
			.on(program("rm"), CommandResult.of(0, "", ""));
		assertThatThrownBy(this::start).isInstanceOf(SpawnException.class).satisfies((ex) -> {
			assertThat(((SpawnException) ex).reason()).isEqualTo("submit");
			assertThat(((SpawnException) ex).userMessage()).contains("Invalid partition name specified");
		});
		assertThat(this.runner.calls(program("rm"))).as("the unread secrets file is removed").hasSize(1);
	}

	@Test
	void aJobThatWaitsTooLongIsCancelled() {
		SpawnHandle handle = start();
		listed("PENDING", "n/a", "N/A", "2:00:00", "0", "Resources");
		this.time.advanceTimeBy(Duration.ofMinutes(11));
		assertThat(this.runner.calls(program("scancel"))).singleElement()
			.satisfies((c) -> assertThat(c.argv()).containsExactly("runuser", "-u", "alice", "--", "scancel", "123"));
		assertThatThrownBy(() -> handle.ready().block(Duration.ofSeconds(5))).isInstanceOf(SpawnException.class)
			.satisfies((ex) -> {
				assertThat(((SpawnException) ex).reason()).isEqualTo("timeout");
				assertThat(((SpawnException) ex).userMessage()).contains("waited in the queue longer than 10 min");
			});
	}

	@Test
	void immediateJobsGiveUpAfterTheShortTimeoutOnSlurm() {
		this.form.set(Map.of("immediate", "true"));
		SpawnHandle handle = start();
		listed("PENDING", "n/a", "N/A", "2:00:00", "0", "Resources");
		this.time.advanceTimeBy(Duration.ofSeconds(31));
		assertThatThrownBy(() -> handle.ready().block(Duration.ofSeconds(5))).isInstanceOf(SpawnException.class)
			.satisfies((ex) -> assertThat(((SpawnException) ex).userMessage()).contains("30 s"));
		assertThat(this.runner.calls(program("scancel"))).hasSize(1);
	}

	@Test
	void aServerThatNeverReportsIsCancelledAtTheStartTimeout() {
		SpawnHandle handle = start();
		listed("RUNNING", "node7", "2026-11-25T04:20:00", "1:59:40", "0", "None");
		tick();
		this.time.advanceTimeBy(Duration.ofMinutes(3).plusSeconds(1));
		assertThatThrownBy(() -> handle.ready().block(Duration.ofSeconds(5))).isInstanceOf(SpawnException.class)
			.satisfies((ex) -> assertThat(((SpawnException) ex).userMessage()).contains("did not report that it listens within 3 min"));
		assertThat(this.runner.calls(program("scancel"))).hasSize(1);
	}

	@Test
	void aJobThatEndsEarlyFailsWithTheSchedulersWordsAndTheOutputTailWithoutSecrets() {
		SpawnHandle handle = start();
		listed("FAILED", "node7", "2026-11-25T04:20:00", "2:00:00", "768", "NonZeroExitCode");
		tick();
		assertThatThrownBy(() -> handle.ready().block(Duration.ofSeconds(5))).isInstanceOf(SpawnException.class).satisfies((ex) -> {
			SpawnException spawn = (SpawnException) ex;
			assertThat(spawn.reason()).isEqualTo("exited");
			assertThat(spawn.userMessage()).contains("job 123 failed (NonZeroExitCode), exit status 3")
				.contains("Error: boom")
				.contains("token=[secret]")
				.doesNotContain("tok-secret-123");
		});
		assertThat(this.runner.calls(program("tail")).get(0).argv()).containsExactly("runuser", "-u", "alice", "--", "tail", "-n", "5",
				"--", "/home/alice/.portico/lab.log");
	}

	@Test
	void pollAnswersFromTheSharedViewAndNeverSaysGoneWhenTheSchedulerIsSilent() {
		SpawnHandle handle = start();
		listed("PENDING", "n/a", "N/A", "2:00:00", "0", "Resources");
		tick();
		assertThat(this.spawner.poll(handle.state()).block(Duration.ofSeconds(5)))
			.isEqualTo(new ServerStatus.Pending("Queued in batch: Resources, position 1 of 1"));
		this.runner.clearRules().on(program("squeue"), CommandResult.of(1, "", "slurm_load_jobs error: Socket timed out"));
		tick();
		assertThat(this.spawner.poll(handle.state()).block(Duration.ofSeconds(5))).isInstanceOf(ServerStatus.Unknown.class);
		this.runner.clearRules().on(program("squeue"), CommandResult.of(0, "", "")).on(program("sacct"), CommandResult.of(1, "", "disabled"));
		tick();
		assertThat(this.spawner.poll(handle.state()).block(Duration.ofSeconds(5)))
			.isEqualTo(new ServerStatus.Gone(null, "job 123 is no longer listed by slurm"));
		int squeues = this.runner.calls(program("squeue")).size();
		for (int i = 0; i < 20; i++) {
			this.spawner.poll(handle.state()).block(Duration.ofSeconds(5));
		}
		assertThat(this.runner.calls(program("squeue"))).as("poll never queries the scheduler itself").hasSize(squeues);
	}

	@Test
	void stopCancelsAndWaitsUntilTheSchedulerShowsTheJobEnded() {
		SpawnHandle handle = start();
		listed("RUNNING", "node7", "2026-11-25T04:20:00", "1:59:40", "0", "None");
		tick();
		var stopped = this.spawner.stop(handle.state(), StopMode.GRACEFUL).toFuture();
		assertThat(this.runner.calls(program("scancel"))).hasSize(1);
		assertThat(stopped).isNotDone(); // scancel is silent even for unknown jobs: the state decides
		listed("CANCELLED", "node7", "2026-11-25T04:20:00", "1:59:40", "15", "None");
		tick();
		assertThat(stopped).isDone();
		assertThat(this.runner.calls(program("rm")).get(0).argv()).endsWith("rm", "-f", "--", handle.state().get("secretsFile"));
		assertThatThrownBy(() -> handle.ready().block(Duration.ofSeconds(5))).isInstanceOf(SpawnException.class)
			.satisfies((ex) -> assertThat(((SpawnException) ex).reason()).isEqualTo("stopped"));
	}

	@Test
	void stopGivesUpWaitingAfterItsTimeout() {
		SpawnHandle handle = start();
		listed("RUNNING", "node7", "2026-11-25T04:20:00", "1:59:40", "0", "None");
		tick();
		var stopped = this.spawner.stop(handle.state(), StopMode.NOW).toFuture();
		this.time.advanceTimeBy(Duration.ofSeconds(21));
		assertThat(stopped).isDone();
		assertThat(stopped.isCompletedExceptionally()).isFalse();
	}

	@Test
	void resumeAfterAGatewayRestartStillAcceptsTheJobsReport() {
		SpawnHandle before = start();
		String secret = secretOf();
		// a new gateway: new callback registry, new spawner, same view of the scheduler
		ReadinessCallbacks fresh = new ReadinessCallbacks(Pattern.compile("node[0-9]+"), 3);
		BatchSpawner restarted = new BatchSpawner(this.slurm, this.view, JobScriptRenderer.classpathOnly(), this.runner,
				CommandPrefix.runuser(), fresh, (request) -> Mono.just(this.options), new BatchSpawnerSettings(
						URI.create("https://gw.example/ready"), "portico", Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(20), 5, true, this.time));
		SpawnHandle resumed = restarted.resume(before.state(), this.request).block(Duration.ofSeconds(5));
		listed("RUNNING", "node7", "2026-11-25T04:20:00", "1:59:40", "0", "None");
		tick();
		assertThat(fresh.accept(before.state().get("callbackKey"), secret, "node7", 9000).outcome())
			.isEqualTo(ReadinessCallbacks.Outcome.ACCEPTED);
		assertThat(resumed.ready().block(Duration.ofSeconds(5))).isEqualTo(new ServerEndpoint("node7", 9000));
	}

	@Test
	void resumeOfAServerThatReportedBeforeTheRestartUsesTheStoredEndpoint() {
		SpawnHandle before = start();
		Map<String, String> data = new java.util.HashMap<>(before.state().data());
		data.put(BatchSpawner.HOST, "node7");
		data.put(BatchSpawner.PORT, "9000");
		var stored = new org.portico.spawner.SpawnState("slurm", "123", data);
		SpawnHandle resumed = this.spawner.resume(stored, this.request).block(Duration.ofSeconds(5));
		listed("RUNNING", "node7", "2026-11-25T04:20:00", "1:59:40", "0", "None");
		tick();
		assertThat(resumed.ready().block(Duration.ofSeconds(5))).isEqualTo(new ServerEndpoint("node7", 9000));
	}

	private String secretOf() {
		String script = this.runner.calls(program("dd")).get(0).stdin();
		Matcher m = Pattern.compile("PORTICO_CALLBACK_SECRET='([A-Za-z0-9_-]+)'").matcher(script);
		assertThat(m.find()).isTrue();
		return m.group(1);
	}

	private static String local(String instant) {
		return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
			.withZone(java.time.ZoneId.systemDefault())
			.format(java.time.Instant.parse(instant));
	}

	@Test
	void extendSetsTheJobsNewTotalLimitAsTheOperatorNeverAsTheUser() {
		SpawnHandle handle = start();
		BatchSpawner operator = new BatchSpawner(this.slurm, this.view, JobScriptRenderer.classpathOnly(), this.runner,
				CommandPrefix.runuser(), this.callbacks, (request) -> Mono.just(this.options),
				new BatchSpawnerSettings(URI.create("https://gw.example/hub/api/batch/ready/"), "portico", Duration.ofMinutes(10),
						Duration.ofSeconds(30), Duration.ofSeconds(20), 5, true, this.time).withTimeLimitPrefix(List.of("sudo", "-n", "-u",
								"slurm", "--")));
		this.runner.once(program("scontrol"), CommandResult.of(0, "", ""));
		operator.extend(handle.state(), Duration.ofHours(3)).block(Duration.ofSeconds(10));
		assertThat(this.runner.calls(program("scontrol")).get(0).argv()).containsExactly("sudo", "-n", "-u", "slurm", "--",
				"scontrol", "update", "JobId=123", "TimeLimit=180");
		// without a prefix: the gateway's own user, not the job's owner
		this.runner.once(program("scontrol"), CommandResult.of(0, "", ""));
		this.spawner.extend(handle.state(), Duration.ofHours(3)).block(Duration.ofSeconds(10));
		assertThat(this.runner.calls(program("scontrol")).get(1).argv()).containsExactly("scontrol", "update", "JobId=123",
				"TimeLimit=180");
	}

	@Test
	void aRefusedExtensionFailsWithTheSchedulersWords() {
		SpawnHandle handle = start();
		this.runner.once(program("scontrol"), CommandResult.of(1, "", "Access/permission denied for job 123\n"
				+ "slurm_update error: Access/permission denied\n"));
		assertThatThrownBy(() -> this.spawner.extend(handle.state(), Duration.ofHours(3)).block(Duration.ofSeconds(10)))
			.isInstanceOf(SpawnException.class)
			.satisfies((ex) -> {
				assertThat(((SpawnException) ex).reason()).isEqualTo("extend");
				assertThat(((SpawnException) ex).userMessage())
					.startsWith("slurm refused to change the time limit of job 123: Access/permission denied for job 123");
			});
		assertThatThrownBy(() -> this.spawner.extend(handle.state(), Duration.ZERO).block(Duration.ofSeconds(10)))
			.isInstanceOf(SpawnException.class);
	}
}
