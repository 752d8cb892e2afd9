package org.portico.spawner.batch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

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
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandPrefix;
import org.portico.spawner.exec.CommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Runs each server as a batch job of one scheduler ({@link BatchScheduler}), submitted as the end user.
 *
 * <p>{@link #start}: checks the request and the user's {@link BatchOptions} (a hostile value fails with
 * {@link SpawnException} reason {@code "invalid"} before any command runs), registers a readiness callback,
 * renders the job script, submits it through the user's {@link CommandPrefix} with the script on standard
 * input, and emits the handle as soon as the job id is known. The handle then follows the job in the shared
 * {@link SchedulerView}: queued (the scheduler's reason, the position among pending jobs of the partition,
 * the estimated start), running on its node, server starting, ready once the job's callback is accepted by
 * {@link ReadinessCallbacks}. The queue wait and the server's start-up have separate timeouts; at either the
 * job is cancelled. A job that ends early fails the spawn with the scheduler's words and the last lines of
 * the job's output (read as the user, with the server's secrets blanked out).
 *
 * <p>The handle is supervised from its creation, whether or not anyone subscribes to it, so that a queue
 * timeout cancels a job nobody waits for. Stateless apart from the registry of live handles; thread-safe.
 */
public final class BatchSpawner implements Spawner {

	private static final Logger log = LoggerFactory.getLogger(BatchSpawner.class);

	static final String USER = "user";

	static final String SERVER = "server";

	static final String SUBMITTED = "submittedAt";

	static final String CALLBACK_KEY = "callbackKey";

	static final String SECRET_HASH = "secretHash";

	static final String OUTPUT = "outputFile";

	static final String QUEUE_TIMEOUT = "queueTimeoutMs";

	static final String JOB_NAME = "jobName";

	static final String SECRETS_FILE = "secretsFile";

	/** The submission's resource requests a time-limit change repeats ({@link BatchScheduler#submittedResources}). */
	static final String RESOURCES = "resources";

	/** Optional: the endpoint a gateway may add to the state it stores once the server is ready. */
	public static final String HOST = "host";

	/** Optional: see {@link #HOST}. */
	public static final String PORT = "port";

	private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(token|secret|password|passwd|key|credential).*");

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

	private final BatchScheduler scheduler;

	private final SchedulerView view;

	private final JobScriptRenderer renderer;

	private final CommandRunner runner;

	private final CommandPrefix prefix;

	private final ReadinessCallbacks callbacks;

	private final OptionsResolver options;

	private final BatchSpawnerSettings settings;

	private final Map<String, Handle> handles = new ConcurrentHashMap<>();

	/** Decides a request's {@link BatchOptions}: from the user's spawn form, a profile, or site defaults. */
	@FunctionalInterface
	public interface OptionsResolver {

		/**
		 * @return emits the options; errors with {@link IllegalArgumentException} (message for the user) or
		 * {@link SpawnException} when the request may not run
		 */
		Mono<BatchOptions> resolve(SpawnRequest request);
	}

	/**
	 * @param view the shared view of {@code scheduler}'s jobs; the gateway starts and closes it
	 * @param runner runs commands; each submit, cancel and output read goes through {@code prefix} for the user
	 */
	public BatchSpawner(BatchScheduler scheduler, SchedulerView view, JobScriptRenderer renderer, CommandRunner runner,
			CommandPrefix prefix, ReadinessCallbacks callbacks, OptionsResolver options, BatchSpawnerSettings settings) {
		this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
		this.view = Objects.requireNonNull(view, "view");
		this.renderer = Objects.requireNonNull(renderer, "renderer");
		this.runner = Objects.requireNonNull(runner, "runner");
		this.prefix = Objects.requireNonNull(prefix, "prefix");
		this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
		this.options = Objects.requireNonNull(options, "options");
		this.settings = Objects.requireNonNull(settings, "settings");
		if (view.scheduler() != scheduler) {
			throw new IllegalArgumentException("the view watches another scheduler");
		}
	}

	@Override
	public String name() {
		return this.scheduler.name();
	}

	@Override
	public Mono<SpawnHandle> start(SpawnRequest request) {
		// @formatter:off
		return Mono.defer(() -> {
				if (!CommandPrefix.isValidUserName(request.user())) {
					return Mono.error(new IllegalArgumentException("user is not a valid user name"));
				}
				return this.options.resolve(request);
			})
			.flatMap((options) -> submit(request, options))
			.onErrorMap(IllegalArgumentException.class, (ex) -> new SpawnException("invalid",
					"The request was refused: " + ex.getMessage(),
					"invalid spawn request user=" + request.user() + " server=" + request.server() + ": " + ex.getMessage(), ex));
		// @formatter:on
	}

	private Mono<SpawnHandle> submit(SpawnRequest request, BatchOptions options) {
		String key = ReadinessCallbacks.newKey();
		String secret = ReadinessCallbacks.newSecret();
		JobSpec spec = new JobSpec(request.user(), jobName(request), options.queue(), options.account(), options.cores(),
				options.memoryMiB(), options.gpus(), options.gres(), options.walltime(), options.immediate(), request.workDir(),
				request.logFile(), options.nodeList(), request.environment(), request.command(), callbackUrl(key), secret,
				request.startTimeout(), options.pins(), options.oversubscribe());
		CommandLine submit = this.scheduler.submit(spec);
		AtomicReference<@Nullable String> jobIdRef = new AtomicReference<>();
		ReadinessCallbacks.Registration registration = this.callbacks.register(key, ReadinessCallbacks.hash(secret),
				() -> runningNode(jobIdRef.get()), "user=" + request.user() + " server=" + request.server());
		Duration queueTimeout = queueTimeout(spec.immediate());
		Path secretsFile = this.settings.secretsInFile() ? secretsFile(request, key) : null;
		CommandRunner asUser = this.prefix.runnerFor(this.runner, request.user());
		// @formatter:off
		return Mono.fromCallable(() -> this.renderer.render(this.scheduler, spec, secretsFile))
			.subscribeOn(Schedulers.boundedElastic())
			.onErrorMap(IllegalStateException.class, (ex) -> new SpawnException("template",
					"The job script could not be prepared; please tell the site's administrators.", ex.getMessage(), ex))
			.flatMap((script) -> writeSecrets(asUser, secretsFile, script).thenReturn(script))
			.flatMap((script) -> {
				log.info("submitting job user={} server={} scheduler={}", request.user(), request.server(), this.scheduler.name());
				log.debug("submit command user={} {}", request.user(), submit);
				return asUser.run(submit, script.script());
			})
			.map((result) -> {
				String jobId = this.scheduler.parseJobId(result);
				jobIdRef.set(jobId);
				Instant submittedAt = this.view.now();
				log.info("job submitted user={} server={} scheduler={} jobId={}", request.user(), request.server(),
						this.scheduler.name(), jobId);
				this.view.refreshSoon();
				Map<String, String> data = new HashMap<>();
				data.put(USER, request.user());
				data.put(SERVER, request.server());
				data.put(SUBMITTED, Long.toString(submittedAt.toEpochMilli()));
				data.put(CALLBACK_KEY, key);
				data.put(SECRET_HASH, ReadinessCallbacks.hash(secret));
				data.put(OUTPUT, spec.outputFile().toString());
				data.put(QUEUE_TIMEOUT, Long.toString(queueTimeout.toMillis()));
				data.put(JOB_NAME, spec.jobName());
				if (secretsFile != null) {
					data.put(SECRETS_FILE, secretsFile.toString());
				}
				List<String> resources = this.scheduler.submittedResources(spec);
				if (!resources.isEmpty()) {
					data.put(RESOURCES, String.join(",", resources));
				}
				SpawnState state = new SpawnState(this.scheduler.name(), jobId, data);
				return (SpawnHandle) supervise(state, request, registration, List.of(secret),
						new SpawnProgress(10, "Submitted job " + jobId + " to " + this.scheduler.name()));
			})
			.onErrorResume((ex) -> {
				this.callbacks.unregister(key);
				return removeSecrets(asUser, secretsFile).then(Mono.error(ex));
			});
		// @formatter:on
	}

	/** Beside the output file, named after the callback key (URL-safe base64, so path-safe). */
	private static Path secretsFile(SpawnRequest request, String key) {
		Path dir = request.logFile().toAbsolutePath().getParent();
		return dir.resolve(".portico-" + key + ".secrets");
	}

	/**
	 * Writes the secrets file as the user: created empty with mode 0600 first ({@code install}), then filled
	 * ({@code dd} reads the pipe it inherits; re-opening /dev/stdin as another user is refused), so it is
	 * never readable by others, and the gateway never writes into a user's directory with its own rights.
	 */
	private Mono<Void> writeSecrets(CommandRunner asUser, @Nullable Path file, JobScript script) {
		if (file == null) {
			return Mono.empty();
		}
		CommandLine create = new CommandLine(List.of("install", "-m", "600", "-D", "/dev/null", file.toString()), Map.of(),
				Duration.ofSeconds(15));
		CommandLine fill = new CommandLine(List.of("dd", "of=" + file, "status=none"), Map.of(), Duration.ofSeconds(15));
		// @formatter:off
		return asUser.run(create)
			.flatMap((created) -> created.success() ? asUser.run(fill, script.secrets()) : Mono.just(created))
			.flatMap((result) -> result.success() ? Mono.<Void>empty() : Mono.error(new SpawnException("submit",
					"The job's secrets file could not be written: " + result.message(300),
					"secrets file not written exit=" + result.exitCode())));
		// @formatter:on
	}

	/** Best-effort removal of a secrets file the job never read (it deletes the file itself when it starts). */
	private Mono<Void> removeSecrets(CommandRunner asUser, @Nullable Path file) {
		if (file == null) {
			return Mono.empty();
		}
		return asUser.run(new CommandLine(List.of("rm", "-f", "--", file.toString()), Map.of(), Duration.ofSeconds(15)))
			.onErrorResume((ex) -> Mono.empty())
			.then();
	}

	@Override
	public Mono<SpawnHandle> resume(SpawnState state, SpawnRequest request) {
		return Mono.fromCallable(() -> {
			Saved saved = Saved.of(state);
			ReadinessCallbacks.Registration registration = this.callbacks.register(saved.key(), saved.secretHash(),
					() -> runningNode(state.id()), "user=" + saved.user() + " server=" + state.get(SERVER) + " jobId=" + state.id());
			Handle handle = supervise(state, request, registration, List.of(),
					new SpawnProgress(10, "Re-attached to job " + state.id() + " of " + this.scheduler.name()));
			return (SpawnHandle) handle;
		}).onErrorMap(IllegalArgumentException.class,
				(ex) -> new SpawnException("gone", "The server's job could not be found again.", "resume failed: " + ex.getMessage(), ex));
	}

	@Override
	public Mono<ServerStatus> poll(SpawnState state) {
		return Mono.defer(() -> {
			Saved saved = Saved.of(state);
			JobStatus status = this.view.status(state.id(), saved.submittedAt());
			return switch (status.state()) {
				case PENDING -> Mono.just((ServerStatus) new ServerStatus.Pending(queuedMessage(status)));
				case RUNNING -> Mono.just(new ServerStatus.Running(endpoint(state, saved)));
				case UNKNOWN -> Mono.just(new ServerStatus.Unknown(Objects.requireNonNullElse(status.reason(), "unknown")));
				case GONE -> this.view.endedStatus(state.id()).map(this::gone);
				default -> Mono.just(gone(status));
			};
		}).onErrorResume(IllegalArgumentException.class,
				(ex) -> Mono.just(new ServerStatus.Gone(null, "no job recorded: " + ex.getMessage())));
	}

	@Override
	public Mono<Void> stop(SpawnState state, StopMode mode) {
		Saved saved;
		CommandLine cancel;
		try {
			saved = Saved.of(state);
			cancel = this.scheduler.cancel(state.id());
		}
		catch (IllegalArgumentException ex) {
			return Mono.error(new SpawnException("stop", "The server could not be stopped.", "stop impossible: " + ex.getMessage(), ex));
		}
		Handle handle = this.handles.remove(state.id());
		if (handle != null) {
			handle.stopped();
		}
		// The scheduler's cancel already is graceful (SIGTERM, then SIGKILL after its own grace period), so
		// GRACEFUL and NOW send the same command. scancel is silent on unknown jobs: the state decides.
		// @formatter:off
		return this.prefix.runnerFor(this.runner, saved.user()).run(cancel)
			.doOnNext((result) -> {
				if (result.success()) {
					log.info("job cancel requested user={} jobId={} mode={}", saved.user(), state.id(), mode);
				}
				else {
					log.warn("cancel command failed user={} jobId={} exit={} message={}", saved.user(), state.id(),
							result.exitCode(), result.message(200));
				}
			})
			.then(Mono.defer(() -> {
				this.view.refreshSoon();
				return this.view.watch(state.id(), saved.submittedAt())
					.filter((status) -> status.state().isTerminal())
					.next()
					.timeout(this.settings.stopTimeout(), this.settings.timer());
			}))
			.doOnNext((status) -> log.info("job stopped user={} jobId={} state={}", saved.user(), state.id(), status.state()))
			.onErrorResume((ex) -> {
				log.warn("job not seen ended after cancel user={} jobId={}: {}", saved.user(), state.id(), ex.toString());
				return Mono.empty();
			})
			.then(removeSecrets(this.prefix.runnerFor(this.runner, saved.user()), saved.secretsFile()))
			// before the completion signal (doFinally would run after it): a caller that saw stop() complete
			// must find the callback gone
			.doOnTerminate(() -> this.callbacks.unregister(saved.key()))
			.doOnCancel(() -> this.callbacks.unregister(saved.key()))
			.then();
		// @formatter:on
	}

	/**
	 * Sets the job's time limit through the scheduler's {@link BatchScheduler#timeLimit} command, run with the
	 * time-limit prefix of the settings (an operator), never as the user.
	 */
	@Override
	public Mono<Void> extend(SpawnState state, Duration walltime) {
		Saved saved;
		CommandLine command;
		try {
			saved = Saved.of(state);
			String resources = state.get(RESOURCES);
			List<String> submitted = (resources == null || resources.isEmpty()) ? List.of() : List.of(resources.split(","));
			command = this.scheduler.timeLimit(state.id(), walltime, submitted).orElse(null);
		}
		catch (IllegalArgumentException ex) {
			return Mono.error(new SpawnException("extend", "The time limit could not be changed: " + ex.getMessage() + ".",
					"time limit impossible jobId=" + state.id() + ": " + ex.getMessage(), ex));
		}
		if (command == null) {
			return Mono.error(new SpawnException("extend", this.scheduler.name() + " cannot change a job's time limit here.",
					"no time-limit command for " + this.scheduler.name()));
		}
		CommandPrefix operator = new CommandPrefix(this.settings.timeLimitPrefix(), !this.settings.timeLimitPrefix().isEmpty());
		log.debug("time limit command user={} jobId={} {}", saved.user(), state.id(), command);
		// @formatter:off
		return operator.runnerFor(this.runner, saved.user()).run(command)
			.flatMap((result) -> {
				if (!result.success()) {
					return Mono.error(new SpawnException("extend", this.scheduler.name() + " refused to change the time limit of job "
							+ state.id() + ": " + result.message(300),
							"time limit refused user=" + saved.user() + " jobId=" + state.id() + " exit=" + result.exitCode()));
				}
				log.info("job time limit set user={} jobId={} walltime={}", saved.user(), state.id(), walltime);
				// the shared view shows the new limit at its next query
				this.view.refreshSoon();
				return Mono.<Void>empty();
			});
		// @formatter:on
	}

	/** Asks the scheduler ({@link BatchScheduler#devices}, a read-only query with the gateway's own rights). */
	@Override
	public Mono<List<Integer>> devices(SpawnState state) {
		CommandLine command;
		try {
			command = this.scheduler.devices(state.id()).orElse(null);
		}
		catch (IllegalArgumentException ex) {
			return Mono.just(List.of());
		}
		if (command == null) {
			return Mono.just(List.of());
		}
		// @formatter:off
		return this.runner.run(command)
			.map(this.scheduler::parseDevices)
			.onErrorResume((ex) -> {
				log.warn("could not read the devices of jobId={}: {}", state.id(), ex.getMessage());
				return Mono.just(List.of());
			});
		// @formatter:on
	}

	private Handle supervise(SpawnState state, SpawnRequest request, ReadinessCallbacks.Registration registration,
			List<String> extraSecrets, SpawnProgress first) {
		Handle handle = new Handle(state, request, registration, extraSecrets);
		handle.emit(first);
		this.handles.put(state.id(), handle);
		handle.begin();
		return handle;
	}

	private @Nullable String runningNode(@Nullable String jobId) {
		if (jobId == null) {
			return null;
		}
		JobStatus known = this.view.current().lastKnown(jobId).orElse(null);
		if (known != null && known.state() == JobState.RUNNING && known.node() != null) {
			return known.node();
		}
		// The job says its server listens but the last query has not seen it running: look again soon.
		this.view.refreshSoon();
		return null;
	}

	private @Nullable ServerEndpoint endpoint(SpawnState state, Saved saved) {
		ServerEndpoint accepted = this.callbacks.endpoint(saved.key()).orElse(null);
		if (accepted != null) {
			return accepted;
		}
		String host = state.get(HOST);
		String port = state.get(PORT);
		if (host != null && port != null && port.matches("[0-9]{1,5}")) {
			return new ServerEndpoint(host, Integer.parseInt(port));
		}
		return null;
	}

	private Duration queueTimeout(boolean immediate) {
		if (immediate && !this.scheduler.supportsImmediate()) {
			return min(this.settings.queueTimeout(), this.settings.immediateTimeout());
		}
		return this.settings.queueTimeout();
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

	private URI callbackUrl(String key) {
		String base = this.settings.callbackBase().toString();
		while (base.endsWith("/")) {
			base = base.substring(0, base.length() - 1);
		}
		return URI.create(base + "/" + key);
	}

	private String jobName(SpawnRequest request) {
		String name = this.settings.jobNamePrefix() + "-" + request.user()
				+ (request.server().isEmpty() ? "" : "-" + request.server().replaceAll("[^A-Za-z0-9_.-]", "_"));
		return (name.length() > 63) ? name.substring(0, 63) : name;
	}

	private ServerStatus gone(JobStatus status) {
		return new ServerStatus.Gone(status.exitCode(), endedMessage(status));
	}

	private String endedMessage(JobStatus status) {
		StringBuilder text = new StringBuilder("job " + status.jobId() + " ");
		text.append(switch (status.state()) {
			case COMPLETED -> "completed";
			case FAILED -> "failed";
			case CANCELLED -> "was cancelled";
			default -> "is no longer listed by " + this.scheduler.name();
		});
		if (status.reason() != null && !status.reason().isBlank() && status.state() != JobState.GONE) {
			text.append(" (").append(status.reason()).append(')');
		}
		if (status.exitCode() != null) {
			text.append(", exit status ").append(status.exitCode());
		}
		return text.toString();
	}

	private String queuedMessage(JobStatus status) {
		StringBuilder text = new StringBuilder("Queued");
		if (status.partition() != null) {
			text.append(" in ").append(status.partition());
		}
		if (status.reason() != null && !status.reason().isBlank()) {
			text.append(": ").append(status.reason());
		}
		if (status.queuePosition() != null && status.queueLength() != null) {
			text.append(", position ").append(status.queuePosition()).append(" of ").append(status.queueLength());
		}
		if (status.estimatedStart() != null) {
			text.append(", estimated start ").append(TIME.format(status.estimatedStart()));
		}
		return text.toString();
	}

	private static String walltimeLeft(JobStatus status) {
		Duration left = status.timeRemaining();
		if (left == null) {
			return "";
		}
		long s = left.toSeconds();
		return String.format(" (%d:%02d:%02d of walltime left)", s / 3600, (s % 3600) / 60, s % 60);
	}

	/** What a {@link SpawnState} of this spawner holds. */
	private record Saved(String user, Instant submittedAt, String key, String secretHash, @Nullable String outputFile,
			Duration queueTimeout, @Nullable Path secretsFile) {

		static Saved of(SpawnState state) {
			String user = require(state, USER);
			if (!CommandPrefix.isValidUserName(user)) {
				throw new IllegalArgumentException("invalid user in state");
			}
			try {
				return new Saved(user, Instant.ofEpochMilli(Long.parseLong(require(state, SUBMITTED))), require(state, CALLBACK_KEY),
						require(state, SECRET_HASH), state.get(OUTPUT),
						Duration.ofMillis(Long.parseLong(Objects.requireNonNullElse(state.get(QUEUE_TIMEOUT), "3600000"))),
						(state.get(SECRETS_FILE) != null) ? Path.of(state.get(SECRETS_FILE)) : null);
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("malformed batch state", ex);
			}
		}

		private static String require(SpawnState state, String key) {
			String value = state.get(key);
			if (value == null) {
				throw new IllegalArgumentException("batch state lacks " + key);
			}
			return value;
		}
	}

	/** One job, followed from submission until its server is ready or the spawn failed. */
	private final class Handle implements SpawnHandle {

		private final SpawnState state;

		private final SpawnRequest request;

		private final Saved saved;

		private final ReadinessCallbacks.Registration registration;

		private final List<String> secrets;

		private final Sinks.Many<SpawnProgress> progress = Sinks.many().replay().all();

		private final Sinks.Empty<Void> stop = Sinks.empty();

		private final Mono<ServerEndpoint> ready;

		private volatile @Nullable String lastMessage;

		Handle(SpawnState state, SpawnRequest request, ReadinessCallbacks.Registration registration, List<String> extraSecrets) {
			this.state = state;
			this.request = request;
			this.saved = Saved.of(state);
			this.registration = registration;
			List<String> secrets = new java.util.ArrayList<>(extraSecrets);
			request.environment().forEach((name, value) -> {
				if (SECRET_KEY.matcher(name).matches() && value.length() >= 4) {
					secrets.add(value);
				}
			});
			this.secrets = List.copyOf(secrets);
			this.ready = supervision().cache();
		}

		private Mono<ServerEndpoint> supervision() {
			String jobId = this.state.id();
			Duration queueLeft = Duration.between(BatchSpawner.this.view.now(), this.saved.submittedAt().plus(this.saved.queueTimeout()));
			if (queueLeft.isNegative() || queueLeft.isZero()) {
				queueLeft = Duration.ofSeconds(1);
			}
			Flux<JobStatus> statuses = BatchSpawner.this.view.watch(jobId, this.saved.submittedAt());
			Duration queueTimeout = this.saved.queueTimeout();
			// @formatter:off
			Mono<JobStatus> started = statuses
				.doOnNext(this::report)
				.filter((s) -> s.state() == JobState.RUNNING || s.state().isTerminal())
				.next()
				.timeout(queueLeft, Mono.defer(() -> cancelAndFail("timeout", "The job waited in the queue longer than "
						+ human(queueTimeout) + " and was cancelled.")), BatchSpawner.this.settings.timer());
			Mono<ServerEndpoint> chain = started
				.flatMap((s) -> s.state().isTerminal() ? ended(s) : serverStart(s, statuses))
				.doOnNext((endpoint) -> emit(new SpawnProgress(100, "Server ready at " + endpoint.host() + ":" + endpoint.port())));
			Mono<ServerEndpoint> stopped = this.stop.asMono().then(Mono.error(() -> new SpawnException("stopped",
					"The server was stopped before it was ready.", "spawn stopped jobId=" + jobId)));
			return Mono.firstWithSignal(chain, stopped)
				.doOnError((ex) -> log.info("spawn failed user={} jobId={} reason={}: {}", this.saved.user(), jobId,
						(ex instanceof SpawnException se) ? se.reason() : "error", ex.getMessage()))
				.doFinally((signal) -> {
					this.progress.tryEmitComplete();
					BatchSpawner.this.handles.remove(jobId, this);
				});
			// @formatter:on
		}

		void begin() {
			// Fire-and-forget on purpose: the job must be supervised (queue and start timeouts cancel it) even
			// when nobody subscribes to ready(). Errors are logged once in the chain; cache() shares the result.
			this.ready.subscribe((endpoint) -> { }, (error) -> { });
		}

		void stopped() {
			this.stop.tryEmitEmpty();
		}

		private Mono<ServerEndpoint> serverStart(JobStatus running, Flux<JobStatus> statuses) {
			String node = Objects.requireNonNullElse(running.node(), "an unnamed node");
			emit(new SpawnProgress(40, "Job " + running.jobId() + " is running on node " + node + walltimeLeft(running)));
			emit(new SpawnProgress(60, "Server starting on node " + node));
			Duration startTimeout = this.request.startTimeout();
			// @formatter:off
			Mono<ServerEndpoint> endedEarly = statuses
				.filter((s) -> s.state().isTerminal())
				.next()
				.flatMap(this::ended);
			Mono<ServerEndpoint> known = knownEndpoint(running);
			return Mono.firstWithSignal(known, this.registration.endpoint(), endedEarly)
				.timeout(startTimeout, Mono.defer(() -> cancelAndFail("timeout", "The server did not report that it listens within "
						+ human(startTimeout) + "; the job was cancelled.")), BatchSpawner.this.settings.timer());
			// @formatter:on
		}

		/** After a gateway restart: the endpoint the gateway stored, once the job is seen running. */
		private Mono<ServerEndpoint> knownEndpoint(JobStatus running) {
			String host = this.state.get(HOST);
			String port = this.state.get(PORT);
			if (host == null || port == null || !port.matches("[0-9]{1,5}")) {
				return Mono.never();
			}
			return Mono.just(new ServerEndpoint(host, Integer.parseInt(port)));
		}

		private Mono<ServerEndpoint> ended(JobStatus status) {
			Mono<JobStatus> detail = (status.state() == JobState.GONE) ? BatchSpawner.this.view.endedStatus(status.jobId())
					: Mono.just(status);
			CommandRunner asUser = BatchSpawner.this.prefix.runnerFor(BatchSpawner.this.runner, this.saved.user());
			return detail.flatMap((s) -> removeSecrets(asUser, this.saved.secretsFile()).then(outputTail()).flatMap((tail) -> Mono.error(new SpawnException("exited",
					"The job ended before its server was ready: " + endedMessage(s) + "." + tail,
					"job ended early user=" + this.saved.user() + " jobId=" + s.jobId() + " state=" + s.state() + " exit=" + s.exitCode()))));
		}

		private <T> Mono<T> cancelAndFail(String reason, String message) {
			CommandLine cancel = BatchSpawner.this.scheduler.cancel(this.state.id());
			// @formatter:off
			return BatchSpawner.this.prefix.runnerFor(BatchSpawner.this.runner, this.saved.user()).run(cancel)
				.doOnNext((result) -> log.info("job cancelled after {} user={} jobId={} cancelExit={}", reason,
						this.saved.user(), this.state.id(), result.exitCode()))
				.onErrorResume((ex) -> Mono.empty())
				.then(removeSecrets(BatchSpawner.this.prefix.runnerFor(BatchSpawner.this.runner, this.saved.user()), this.saved.secretsFile()))
				.then(outputTail())
				.flatMap((tail) -> Mono.error(new SpawnException(reason, message + tail,
						reason + " user=" + this.saved.user() + " jobId=" + this.state.id())));
			// @formatter:on
		}

		/** The last lines of the job's output, read as the user, secrets blanked; "" when unreadable. */
		private Mono<String> outputTail() {
			String file = this.saved.outputFile();
			if (file == null) {
				return Mono.just("");
			}
			CommandLine tail = new CommandLine(List.of("tail", "-n", Integer.toString(BatchSpawner.this.settings.outputTailLines()),
					"--", file), Map.of(), Duration.ofSeconds(10));
			// @formatter:off
			return BatchSpawner.this.prefix.runnerFor(BatchSpawner.this.runner, this.saved.user()).run(tail)
				.map((result) -> result.success() && !result.stdout().isBlank()
						? "\nLast lines of the job's output:\n" + redact(result.stdout().stripTrailing()) : "")
				.onErrorReturn("");
			// @formatter:on
		}

		private String redact(String text) {
			String out = text;
			for (String secret : this.secrets) {
				out = out.replace(secret, "[secret]");
			}
			return out;
		}

		private void report(JobStatus status) {
			if (status.state() == JobState.PENDING) {
				emit(new SpawnProgress(20, queuedMessage(status)));
			}
			else if (status.state() == JobState.UNKNOWN) {
				emit(new SpawnProgress(null, "Waiting for " + BatchSpawner.this.scheduler.name() + ": " + status.reason()));
			}
		}

		void emit(SpawnProgress event) {
			if (!event.message().equals(this.lastMessage)) {
				this.lastMessage = event.message();
				this.progress.tryEmitNext(event);
			}
		}

		@Override
		public SpawnState state() {
			return this.state;
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

	private static String human(Duration d) {
		long s = d.toSeconds();
		if (s % 3600 == 0 && s >= 3600) {
			return (s / 3600) + " h";
		}
		if (s % 60 == 0 && s >= 60) {
			return (s / 60) + " min";
		}
		return s + " s";
	}

	/** How many spawns are being followed. */
	/* for testing */ int liveHandles() {
		return this.handles.size();
	}
}
