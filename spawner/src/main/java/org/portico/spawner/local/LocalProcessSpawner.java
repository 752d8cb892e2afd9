package org.portico.spawner.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.ServerStatus;
import org.portico.spawner.SpawnException;
import org.portico.spawner.SpawnHandle;
import org.portico.spawner.SpawnProgress;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.SpawnState;
import org.portico.spawner.Spawner;
import org.portico.spawner.StopMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Runs each server as a process on this machine, as the gateway's own OS user.
 *
 * <p>The process is started through {@code setsid}, so it leads a session and process group of its
 * own: it outlives the gateway (a restart {@link #resume resumes} it by pid and start time, which
 * guards against pid reuse), and {@link #stop} signals the whole group, kernels included. Its
 * output goes to {@link SpawnRequest#logFile()}, never through a pipe to the gateway.
 */
public final class LocalProcessSpawner implements Spawner {

	private static final Logger log = LoggerFactory.getLogger(LocalProcessSpawner.class);

	static final String NAME = "local";

	private final LocalSpawnerSettings settings;

	public LocalProcessSpawner(LocalSpawnerSettings settings) {
		this.settings = Objects.requireNonNull(settings, "settings");
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Mono<SpawnHandle> start(SpawnRequest request) {
		return Mono.fromCallable(() -> launch(request)).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<SpawnHandle> resume(SpawnState state, SpawnRequest request) {
		return Mono.fromCallable(() -> {
			LocalProcess process = LocalProcess.from(state);
			Handle handle = new Handle(process, request, this.settings);
			handle.emit(new SpawnProgress(30, "Re-attached to server process " + process.pid()));
			return (SpawnHandle) handle;
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<ServerStatus> poll(SpawnState state) {
		return Mono.fromCallable(() -> {
			LocalProcess process = LocalProcess.from(state);
			if (process.isAlive()) {
				return (ServerStatus) new ServerStatus.Running(process.endpoint());
			}
			// a detached process may have outlived an earlier gateway: its exit status is not known here
			return new ServerStatus.Gone(null, "the server process " + process.pid() + " has exited");
		}).subscribeOn(Schedulers.boundedElastic()).onErrorResume(IllegalArgumentException.class,
				(ex) -> Mono.just(new ServerStatus.Gone(null, "no process recorded: " + ex.getMessage())));
	}

	@Override
	public Mono<Void> stop(SpawnState state, StopMode mode) {
		LocalProcess process;
		try {
			process = LocalProcess.from(state);
		}
		catch (IllegalArgumentException ex) {
			return Mono.empty(); // nothing was ever launched: nothing to stop
		}
		Duration grace = (mode == StopMode.NOW) ? Duration.ZERO : this.settings.stopGrace();
		return Mono.fromRunnable(() -> process.terminate(grace, this.settings.killWait()))
			.subscribeOn(Schedulers.boundedElastic())
			.then();
	}

	private SpawnHandle launch(SpawnRequest request) {
		int port = freePort(this.settings.host());
		List<String> argv = new ArrayList<>();
		argv.add(this.settings.setsid());
		argv.addAll(request.commandFor(port));
		ProcessBuilder builder = new ProcessBuilder(argv).directory(request.workDir().toFile())
			.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(request.logFile().toFile()));
		// The server gets exactly the environment it was given: nothing of the gateway's leaks into it.
		Map<String, String> env = builder.environment();
		env.clear();
		env.putAll(request.environment());
		try {
			Files.createDirectories(request.workDir());
			Files.createDirectories(request.logFile().getParent());
			Process started = builder.start();
			LocalProcess process = new LocalProcess(started.pid(), startInstant(started.toHandle()), this.settings.host(),
					port, request.logFile());
			log.info("server process started user={} server={} pid={} port={}", request.user(), request.server(),
					process.pid(), port);
			Handle handle = new Handle(process, request, this.settings);
			handle.emit(new SpawnProgress(20, "Server process " + process.pid() + " started, waiting for it to listen"));
			return handle;
		}
		catch (IOException ex) {
			throw new SpawnException("launch", "The server could not be launched: " + ex.getMessage(),
					"launch failed user=" + request.user() + " argv0=" + argv.get(1), ex);
		}
	}

	/**
	 * When the process started, as the system says; a process that exited at once (a zombie until it is
	 * reaped) has no start time to read any more, and gets this moment instead, within the second that
	 * {@link LocalProcess#isAlive} allows: its end is then noticed and reported like any other.
	 */
	static Instant startInstant(ProcessHandle handle) {
		return handle.info().startInstant().orElseGet(Instant::now);
	}

	static int freePort(String host) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(false);
			socket.bind(new InetSocketAddress(host, 0));
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static boolean accepts(ServerEndpoint endpoint) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** The handle of one launched process: ready once its port accepts connections. */
	private static final class Handle implements SpawnHandle {

		private final LocalProcess process;

		private final Sinks.Many<SpawnProgress> progress = Sinks.many().replay().all();

		private final Mono<ServerEndpoint> ready;

		Handle(LocalProcess process, SpawnRequest request, LocalSpawnerSettings settings) {
			this.process = process;
			// @formatter:off
			this.ready = Mono.fromCallable(() -> probe(process, request))
				.subscribeOn(Schedulers.boundedElastic())
				.repeatWhenEmpty(Integer.MAX_VALUE, (attempts) -> attempts.delayElements(settings.readyProbeInterval()))
				.timeout(request.startTimeout(), Mono.error(() -> new SpawnException("timeout",
						"The server did not start listening within " + request.startTimeout().toSeconds() + " s."
								+ process.logTailForUser(request),
						"start timeout user=" + request.user() + " pid=" + process.pid())))
				.doOnNext((endpoint) -> emit(new SpawnProgress(70, "Server process is listening on port " + endpoint.port())))
				.doFinally((signal) -> this.progress.tryEmitComplete())
				.cache();
			// @formatter:on
		}

		/** The endpoint once the port accepts, {@code null} while it does not yet; throws when the process is gone. */
		private static @Nullable ServerEndpoint probe(LocalProcess process, SpawnRequest request) {
			if (!process.isAlive()) {
				throw new SpawnException("exited", "The server exited during start-up." + process.logTailForUser(request),
						"server exited during start user=" + request.user() + " pid=" + process.pid());
			}
			ServerEndpoint endpoint = process.endpoint();
			return accepts(endpoint) ? endpoint : null;
		}

		void emit(SpawnProgress event) {
			this.progress.tryEmitNext(event);
		}

		@Override
		public SpawnState state() {
			return this.process.state();
		}

		@Override
		public Flux<SpawnProgress> progress() {
			return this.progress.asFlux();
		}

		@Override
		public Mono<ServerEndpoint> ready() {
			return this.ready;
		}
	}
}
