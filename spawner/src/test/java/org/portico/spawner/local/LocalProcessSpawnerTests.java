package org.portico.spawner.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.ServerStatus;
import org.portico.spawner.SpawnException;
import org.portico.spawner.SpawnHandle;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.SpawnState;
import org.portico.spawner.StopMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The local spawner against real processes: a Python HTTP server with a child of its own.
 */
class LocalProcessSpawnerTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@TempDir
	Path dir;

	private final LocalProcessSpawner spawner = new LocalProcessSpawner(new LocalSpawnerSettings("127.0.0.1", "setsid",
			Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofMillis(100)));

	private SpawnState started;

	@AfterEach
	void cleanUp() {
		if (this.started != null) {
			this.spawner.stop(this.started, StopMode.NOW).block(WAIT);
		}
	}

	private SpawnRequest request(List<String> command, Map<String, String> extraEnv, Duration startTimeout) {
		Map<String, String> env = new HashMap<>(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", this.dir.toString()));
		env.putAll(extraEnv);
		return new SpawnRequest("alice", "", command, env, this.dir.resolve("work"), this.dir.resolve("logs/alice.log"), startTimeout);
	}

	/** An HTTP server that also starts a long-running child in its process group. */
	private SpawnRequest httpServerWithChild() {
		return request(List.of("/bin/sh", "-c", "sleep 300 & exec /usr/bin/python3 -m http.server \"$0\" --bind 127.0.0.1", SpawnRequest.PORT),
				Map.of(), Duration.ofSeconds(15));
	}

	@Test
	void startsServesAndStopsTheWholeProcessGroup() {
		SpawnHandle handle = this.spawner.start(httpServerWithChild()).block(WAIT);
		this.started = handle.state();
		ServerEndpoint endpoint = handle.ready().block(WAIT);
		assertThat(endpoint.host()).isEqualTo("127.0.0.1");
		assertThat(LocalProcessSpawner.accepts(endpoint)).isTrue();
		assertThat(handle.progress().collectList().block(WAIT)).extracting((p) -> p.message())
			.anyMatch((m) -> m.contains("listening on port " + endpoint.port()));

		long pid = Long.parseLong(this.started.id());
		assertThat(LocalProcess.groupMembers(pid)).as("server and its sleeping child").hasSizeGreaterThanOrEqualTo(2);
		assertThat(this.spawner.poll(this.started).block(WAIT)).isInstanceOf(ServerStatus.Running.class);

		this.spawner.stop(this.started, StopMode.GRACEFUL).block(WAIT);
		assertThat(LocalProcess.groupMembers(pid)).as("nothing of the group is left").isEmpty();
		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
		assertThat(this.spawner.poll(this.started).block(WAIT)).isInstanceOf(ServerStatus.Gone.class);
		// stopping again is harmless
		this.spawner.stop(this.started, StopMode.GRACEFUL).block(WAIT);
	}

	@Test
	void stopAlsoEndsWhatTheServerStartedInSessionsOfItsOwn() throws Exception {
		// like a terminal's shell on a pty (code-server, Jupyter): setsid puts it out of the group's reach
		Path escapedPid = this.dir.resolve("escaped.pid");
		SpawnHandle handle = this.spawner.start(request(List.of("/bin/sh", "-c",
				"setsid sleep 300 & echo $! > \"$HOME/escaped.pid\"; exec /usr/bin/python3 -m http.server \"$0\" --bind 127.0.0.1",
				SpawnRequest.PORT), Map.of(), Duration.ofSeconds(15))).block(WAIT);
		this.started = handle.state();
		handle.ready().block(WAIT);
		long pid = Long.parseLong(this.started.id());
		long escaped = Long.parseLong(Files.readString(escapedPid).strip());
		ProcessHandle sleeper = ProcessHandle.of(escaped).orElseThrow();
		assertThat(LocalProcess.groupMembers(pid)).as("the escaped process is not in the server's group").doesNotContain(escaped);

		this.spawner.stop(this.started, StopMode.GRACEFUL).block(WAIT);
		assertThat(LocalProcess.groupMembers(pid)).isEmpty();
		assertThat(sleeper.isAlive() && !isZombie(escaped)).as("the process in its own session (dead, or a zombie left to init)")
			.isFalse();
	}

	private static boolean isZombie(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
		}
		catch (java.io.IOException ex) {
			return false; // gone
		}
	}

	@Test
	void aNewSpawnerResumesARunningServerFromItsState() {
		SpawnHandle handle = this.spawner.start(httpServerWithChild()).block(WAIT);
		this.started = handle.state();
		ServerEndpoint first = handle.ready().block(WAIT);

		LocalProcessSpawner afterRestart = new LocalProcessSpawner(LocalSpawnerSettings.defaults());
		SpawnHandle resumed = afterRestart.resume(this.started, httpServerWithChild()).block(WAIT);
		assertThat(resumed.ready().block(WAIT)).isEqualTo(first);
		assertThat(afterRestart.poll(this.started).block(WAIT)).isInstanceOf(ServerStatus.Running.class);
	}

	@Test
	void aReusedPidIsNotMistakenForTheServer() {
		SpawnHandle handle = this.spawner.start(httpServerWithChild()).block(WAIT);
		this.started = handle.state();
		handle.ready().block(WAIT);
		Map<String, String> data = new HashMap<>(this.started.data());
		data.put("started", Long.toString(Long.parseLong(data.get("started")) - 3_600_000));
		SpawnState impostor = new SpawnState(this.started.spawner(), this.started.id(), data);
		assertThat(this.spawner.poll(impostor).block(WAIT)).isInstanceOf(ServerStatus.Gone.class);
	}

	@Test
	void aServerThatExitsEarlyFailsWithItsLogTailAndNoSecrets() throws Exception {
		SpawnRequest request = request(List.of("/bin/sh", "-c", "echo \"listening with token=$APP_TOKEN\"; echo bad config >&2; exit 3"),
				Map.of("APP_TOKEN", "s3cr3t-value-123"), Duration.ofSeconds(15));
		SpawnHandle handle = this.spawner.start(request).block(WAIT);
		this.started = handle.state();
		assertThatThrownBy(() -> handle.ready().block(WAIT)).isInstanceOfSatisfying(SpawnException.class, (ex) -> {
			assertThat(ex.reason()).isEqualTo("exited");
			assertThat(ex.userMessage()).contains("bad config").contains("token=[secret]").doesNotContain("s3cr3t-value-123");
		});
		assertThat(Files.readString(this.dir.resolve("logs/alice.log"))).contains("bad config");
	}

	@Test
	void aServerThatNeverListensTimesOut() {
		SpawnRequest request = request(List.of("/bin/sleep", "60"), Map.of(), Duration.ofSeconds(1));
		SpawnHandle handle = this.spawner.start(request).block(WAIT);
		this.started = handle.state();
		assertThatThrownBy(() -> handle.ready().block(WAIT)).isInstanceOfSatisfying(SpawnException.class,
				(ex) -> assertThat(ex.reason()).isEqualTo("timeout"));
	}

	@Test
	void theServerGetsOnlyTheEnvironmentItIsGiven() throws Exception {
		SpawnRequest request = request(List.of("/bin/sh", "-c", "env > \"$HOME/env.txt\"; exec sleep 60"), Map.of("ONLY_THIS", "1"),
				Duration.ofSeconds(1));
		SpawnHandle handle = this.spawner.start(request).block(WAIT);
		this.started = handle.state();
		Path envFile = this.dir.resolve("env.txt");
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!(Files.exists(envFile) && Files.readString(envFile).contains("ONLY_THIS")) && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		String env = Files.readString(envFile);
		assertThat(env).contains("ONLY_THIS=1");
		assertThat(env).doesNotContain("JAVA_HOME").doesNotContain("MAVEN");
	}
}
