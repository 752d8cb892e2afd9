package org.portico.spawner.batch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.ServerStatus;
import org.portico.spawner.SpawnHandle;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.StopMode;
import org.portico.spawner.exec.CommandPrefix;
import org.portico.spawner.exec.CountingCommandRunner;
import org.portico.spawner.exec.LocalCommandRunner;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The end-to-end scenario both real-scheduler tests run: three servers ({@code python3 -m http.server} on a
 * port the job picks) as user alice, each reporting to a callback server standing in for the gateway; ONE
 * scheduler query per interval however many jobs; then cancel, and check each job is gone.
 */
final class RealSchedulerScenario implements AutoCloseable {

	private static final Duration INTERVAL = Duration.ofSeconds(1);

	private final BatchScheduler scheduler;

	private final CountingCommandRunner runner = new CountingCommandRunner(LocalCommandRunner.defaults());

	private final ReadinessCallbacks callbacks = new ReadinessCallbacks(Pattern.compile("localhost"), 3);

	private final CallbackServer gateway;

	private final SchedulerView view;

	private final BatchSpawner spawner;

	private final Path workDir = RealClusters.sharedWorkDir("portico-it-");

	RealSchedulerScenario(BatchScheduler scheduler, BatchOptions options) throws IOException {
		this.scheduler = scheduler;
		this.gateway = new CallbackServer(this.callbacks);
		this.view = new SchedulerView(scheduler, this.runner, new SchedulerView.Settings(INTERVAL, Duration.ofMillis(200),
				Duration.ofSeconds(15), Duration.ofMillis(500), "portico-it", Duration.ofSeconds(3)), Schedulers.parallel(),
				() -> ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
		this.spawner = new BatchSpawner(scheduler, this.view, new JobScriptRenderer(null, "/usr/bin/python3"), this.runner,
				CommandPrefix.runuser(), this.callbacks, (request) -> Mono.just(options),
				new BatchSpawnerSettings(this.gateway.base(), "portico-it", Duration.ofSeconds(90), Duration.ofSeconds(30),
						Duration.ofSeconds(30), 20, true, Schedulers.parallel()));
		this.view.start();
	}

	void run() throws Exception {
		List<SpawnHandle> handles = new ArrayList<>();
		for (String server : List.of("a", "b", "c")) {
			SpawnRequest request = new SpawnRequest("alice", server,
					List.of("/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "{port}"),
					Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/alice", "JUPYTER_TOKEN", "it-token-" + server),
					this.workDir, this.workDir.resolve(server + ".log"), Duration.ofSeconds(60));
			SpawnHandle handle = this.spawner.start(request).block(Duration.ofSeconds(30));
			assertThat(handle.state().id()).as("job id at once").isNotBlank();
			handles.add(handle);
		}
		for (SpawnHandle handle : handles) {
			ServerEndpoint endpoint = handle.ready().block(Duration.ofSeconds(90));
			assertThat(endpoint.host()).isEqualTo("localhost");
			assertThat(get(endpoint)).as("the server answers HTTP").isEqualTo(200);
			assertThat(handle.progress().collectList().block(Duration.ofSeconds(5)))
				.anySatisfy((p) -> assertThat(p.message()).startsWith("Job " + handle.state().id() + " is running on node localhost"))
				.last()
				.satisfies((p) -> assertThat(p.message()).isEqualTo("Server ready at localhost:" + endpoint.port()));
			assertThat(this.spawner.poll(handle.state()).block(Duration.ofSeconds(5))).isEqualTo(new ServerStatus.Running(endpoint));
		}
		try (var files = java.nio.file.Files.list(this.workDir)) {
			assertThat(files.map((f) -> f.getFileName().toString())).as("each job deleted its secrets file")
				.noneMatch((name) -> name.endsWith(".secrets"));
		}
		assertThat(this.gateway.outcomes()).contains(ReadinessCallbacks.Outcome.ACCEPTED).doesNotContain(
				ReadinessCallbacks.Outcome.FORBIDDEN, ReadinessCallbacks.Outcome.HOST_NOT_ALLOWED, ReadinessCallbacks.Outcome.INVALID);

		// One query per interval for ALL jobs: three servers running, poll() asked often, in ~5 intervals.
		this.runner.reset();
		long until = System.nanoTime() + INTERVAL.multipliedBy(5).toNanos();
		while (System.nanoTime() < until) {
			for (SpawnHandle handle : handles) {
				this.spawner.poll(handle.state()).block(Duration.ofSeconds(5));
			}
			Thread.sleep(50);
		}
		long queries = this.runner.count((argv) -> argv.equals(this.scheduler.queryAll().argv()));
		assertThat(queries).as("queries in 5 intervals with 3 jobs").isBetween(4L, 6L);
		assertThat(this.runner.count((argv) -> !argv.equals(this.scheduler.queryAll().argv())))
			.as("no other scheduler command while only polling").isZero();

		for (SpawnHandle handle : handles) {
			this.spawner.stop(handle.state(), StopMode.GRACEFUL).block(Duration.ofSeconds(40));
			ServerStatus after = this.spawner.poll(handle.state()).block(Duration.ofSeconds(10));
			assertThat(after).as("after stop").isInstanceOf(ServerStatus.Gone.class);
		}
		for (SpawnHandle handle : handles) {
			ServerEndpoint endpoint = this.callbacks.endpoint(handle.state().get("callbackKey")).orElse(null);
			assertThat(endpoint).as("callback unregistered after stop").isNull();
		}
	}

	/**
	 * Issue 3: {@code count} sessions (running and queued) cost one status query per interval, not
	 * one per session; then all are stopped and gone.
	 */
	void runMany(int count) throws Exception {
		List<SpawnHandle> handles = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String server = "s" + i;
			SpawnRequest request = new SpawnRequest("alice", server,
					List.of("/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "{port}"),
					Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/alice", "JUPYTER_TOKEN", "it-token-" + server),
					this.workDir, this.workDir.resolve(server + ".log"), Duration.ofSeconds(120));
			handles.add(this.spawner.start(request).block(Duration.ofSeconds(30)));
		}
		// every session known to the shared view (pending or running), none unknown
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (handles.stream().map((h) -> this.spawner.poll(h.state()).block(Duration.ofSeconds(5)))
			.anyMatch((status) -> !(status instanceof ServerStatus.Pending || status instanceof ServerStatus.Running))) {
			assertThat(System.nanoTime()).as("all sessions seen by the scheduler view").isLessThan(deadline);
			Thread.sleep(200);
		}
		this.runner.reset();
		long until = System.nanoTime() + INTERVAL.multipliedBy(5).toNanos();
		long polls = 0;
		while (System.nanoTime() < until) {
			for (SpawnHandle handle : handles) {
				this.spawner.poll(handle.state()).block(Duration.ofSeconds(5));
				polls++;
			}
			Thread.sleep(50);
		}
		long queries = this.runner.count((argv) -> argv.equals(this.scheduler.queryAll().argv()));
		assertThat(polls).as("each of the sessions polled many times").isGreaterThan(count * 5L);
		assertThat(queries).as("status queries in 5 intervals with " + count + " sessions").isBetween(4L, 6L);
		assertThat(this.runner.count((argv) -> !argv.equals(this.scheduler.queryAll().argv())))
			.as("no other scheduler command while only polling").isZero();

		reactor.core.publisher.Flux.fromIterable(handles)
			.flatMap((handle) -> this.spawner.stop(handle.state(), StopMode.NOW), 8)
			.then()
			.block(Duration.ofSeconds(120));
		for (SpawnHandle handle : handles) {
			assertThat(this.spawner.poll(handle.state()).block(Duration.ofSeconds(10))).as("after stop")
				.isInstanceOf(ServerStatus.Gone.class);
		}
	}

	private static int get(ServerEndpoint endpoint) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/")).timeout(Duration.ofSeconds(5)).build(),
					HttpResponse.BodyHandlers.discarding())
			.statusCode();
	}

	@Override
	public void close() {
		this.view.close();
		this.gateway.close();
	}
}
