package org.portico.gateway.lifecycle;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.netty.handler.codec.http.HttpHeaderNames;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.app.AppCatalog;
import org.portico.gateway.app.AppDefinition;
import org.portico.gateway.batch.BatchPlacements;
import org.portico.gateway.batch.ProfileCatalog;
import org.portico.gateway.config.PorticoProperties;
import org.portico.gateway.placement.PlacementService;
import org.portico.gateway.route.Route;
import org.portico.gateway.route.RouteTable;
import org.portico.gateway.security.Secrets;
import org.portico.gateway.store.EventStore;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;
import org.portico.gateway.store.ServerStore;
import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.ServerStatus;
import org.portico.spawner.SpawnException;
import org.portico.spawner.SpawnHandle;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.SpawnState;
import org.portico.spawner.Spawner;
import org.portico.spawner.StopMode;
import org.portico.spawner.batch.BatchSpawner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;

/**
 * Orchestrates every server's life, as JupyterHub's hub does: claim the slot and save the record,
 * launch through the spawner and save its state the moment it exists, wait until the server answers
 * HTTP, add its route; poll running servers and tidy up those that die; stop on request; and after a
 * restart, re-attach to every server the database says is active.
 *
 * <p>The database is the truth; this class keeps in memory only what the hot path reads (each
 * server's phase) and the progress streams of starts under way.
 */
@Component
public final class ServerManager implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(ServerManager.class);

	private final ServerStore servers;

	private final EventStore events;

	private final RouteTable routes;

	private final AppCatalog apps;

	private final ActivityTracker activity;

	private final HttpClient http;

	private final PorticoProperties properties;

	private final Map<String, Spawner> spawners;

	private final ProfileCatalog profiles;

	private final BatchPlacements placements;

	private final PlacementService seats;

	private final ConcurrentHashMap<String, ServerPhase> phases = new ConcurrentHashMap<>();

	// servers whose start is deciding about a placement seat right now (between seat and claim)
	private final ConcurrentHashMap<String, Boolean> starting = new ConcurrentHashMap<>();

	private final ConcurrentHashMap<String, Startup> startups = new ConcurrentHashMap<>();

	/** Each spawner's launches in turn, so that a burst on one scheduler holds up no other. */
	private final Map<String, LaunchQueue> launches;

	/** The records of active servers, for sweeps that must not query the database per server. */
	private final ConcurrentHashMap<String, ServerRecord> live = new ConcurrentHashMap<>();

	private volatile @Nullable Disposable poller;

	public ServerManager(ServerStore servers, EventStore events, RouteTable routes, AppCatalog apps, ActivityTracker activity,
			HttpClient upstreamClient, PorticoProperties properties, List<Spawner> spawners, ProfileCatalog profiles,
			BatchPlacements placements, PlacementService seats) {
		this.servers = servers;
		this.events = events;
		this.routes = routes;
		this.apps = apps;
		this.activity = activity;
		this.http = upstreamClient;
		this.properties = properties;
		this.profiles = profiles;
		this.placements = placements;
		this.seats = seats;
		this.spawners = spawners.stream().collect(Collectors.toUnmodifiableMap(Spawner::name, Function.identity()));
		this.launches = this.spawners.keySet().stream().collect(Collectors.toUnmodifiableMap(Function.identity(),
				(name) -> new LaunchQueue(concurrentLaunches(properties.spawn().concurrentLaunches(), placements.isBatch(name)))));
		if (!this.spawners.containsKey(properties.spawn().spawner())) {
			throw new IllegalStateException("portico.spawn.spawner names no known spawner: " + properties.spawn().spawner()
					+ " (known: " + this.spawners.keySet() + ")");
		}
	}

	/**
	 * How many launches a spawner runs at once when the site has not said ({@code configured} 0): a local
	 * launch is a fork that costs the gateway's own CPU, so one per CPU (on one CPU, a hundred starts were answered
	 * in 0.53 s with one launch at a time and 1.3 s with all at once); a batch launch mostly waits for the
	 * scheduler's controller, so eight.
	 */
	static int concurrentLaunches(int configured, boolean batch) {
		if (configured > 0) {
			return configured;
		}
		return batch ? 8 : Runtime.getRuntime().availableProcessors();
	}

	/** A start under way: its progress stream, its pipeline and the spawner state once known. */
	private static final class Startup {

		final Sinks.Many<ProgressEvent> progress = Sinks.many().replay().all();

		final AtomicReference<@Nullable SpawnState> state = new AtomicReference<>();

		final AtomicReference<@Nullable Disposable> pipeline = new AtomicReference<>();

		volatile @Nullable ProgressEvent last;

		/** The placement seat's state data (empty without a seat), persisted with the spawner's state. */
		volatile Map<String, String> seat = Map.of();

		/** How many browsers follow this start now, and when the last one left. */
		final java.util.concurrent.atomic.AtomicInteger watchers = new java.util.concurrent.atomic.AtomicInteger();

		volatile long lastWatched = System.currentTimeMillis();

		/*
		 * A stop and the launch's turn may cross: the stop sets abandoned and then reads launching, the launch sets
		 * launching and then reads abandoned, so at least one sees the other (both volatile): either the stop waits
		 * for the launch's state, or the launch does not run.
		 */
		volatile boolean launching;

		volatile boolean abandoned;

		/**
		 * Its place in the launch queue: every place while it is near the front, every tenth further back (a
		 * class of a thousand would otherwise tell each start of each move).
		 */
		void inLine(int ahead, int waiting) {
			if (ahead < 10 || ahead % 10 == 0) {
				emit(ProgressEvent.step(7, (ahead == 0) ? "Waiting to launch: yours is next (" + waiting + " in line)"
						: "Waiting to launch: " + ahead + " ahead of yours (" + waiting + " in line)"));
			}
		}

		void emit(ProgressEvent event) {
			this.last = event;
			this.progress.tryEmitNext(event);
			if (event.terminal()) {
				this.progress.tryEmitComplete();
			}
		}
	}

	/** The phase of a user's server as the proxy sees it, synchronously; {@code null} when never started. */
	public @Nullable ServerPhase phaseOf(String user, String server) {
		return this.phases.get(key(user, server));
	}

	/**
	 * Starts a user's server.
	 * @return emits the record of the pending server once the start is under way (the server is not
	 * ready yet: follow {@link #progress}); errors with {@link ServerException} when the app is unknown
	 * or the server already runs or starts
	 */
	public Mono<ServerRecord> start(String user, String server, @Nullable String appName) {
		return start(user, server, appName, null);
	}

	/**
	 * Starts a user's server with a walltime.
	 * @param hours how long it may run; {@code null} for the configured default; more than
	 * {@code portico.spawn.max-hours} is refused
	 */
	public Mono<ServerRecord> start(String user, String server, @Nullable String appName, @Nullable Double hours) {
		return start(user, server, appName, hours, Map.of());
	}

	/**
	 * Starts a user's server with a walltime and the user's choices of {@link ProfileCatalog#FIELDS} (a
	 * profile picks the spawner and bounds the hours), all checked here before anything runs.
	 */
	public Mono<ServerRecord> start(String user, String server, @Nullable String appName, @Nullable Double hours,
			Map<String, String> choices) {
		return start(user, server, appName, hours, choices, java.util.Set.of());
	}

	/**
	 * Starts a user's server as {@link #start(String, String, String, Double, Map)} does; when the profile
	 * names a placement pool, a seat is taken before anything is submitted, and a full pool refuses at once.
	 * @param groups the user's groups, for class reservations of the pool
	 * @return errors with {@link ServerException} of kind {@code REFUSED} and the pool's reason when no seat
	 * is free (the record is saved as failed with that reason, so the page shows it)
	 */
	public Mono<ServerRecord> start(String user, String server, @Nullable String appName, @Nullable Double hours,
			Map<String, String> choices, java.util.Set<String> groups) {
		return start(user, server, appName, hours, choices, groups, Map.of());
	}

	/**
	 * Starts a user's server as {@link #start(String, String, String, Double, Map, java.util.Set)} does, with
	 * values for the app's form fields ({@link org.portico.gateway.app.AppField}), each checked against its
	 * field before anything is claimed or started.
	 * @param appFields the user's values by field name; a field left out gets its default
	 * @return errors with {@link ServerException} of kind {@code INVALID} naming the field for an unknown field
	 * or a refused value
	 */
	public Mono<ServerRecord> start(String user, String server, @Nullable String appName, @Nullable Double hours,
			Map<String, String> choices, java.util.Set<String> groups, Map<String, String> appFields) {
		ServerException refusedName = checkServerName(user, server);
		if (refusedName != null) {
			return Mono.error(refusedName);
		}
		String app = (appName != null) ? appName : this.apps.defaultApp();
		Duration walltime;
		java.util.Optional<ProfileCatalog.Choice> choice;
		String kernel;
		try {
			Map<String, String> fields = new java.util.HashMap<>(choices);
			String chosen = fields.remove("kernel");
			kernel = (chosen == null || chosen.isBlank()) ? null : chosen;
			if (kernel != null && !AppCatalog.KERNEL.matcher(kernel).matches()) {
				throw new ServerException(ServerException.Kind.INVALID,
						"A kernel name has 1 to 64 characters: lower-case letters, digits, '.', '_' and '-'.");
			}
			if (kernel != null && this.apps.find(app).map((a) -> a.kernelArg().isEmpty()).orElse(true)) {
				throw new ServerException(ServerException.Kind.INVALID, "This app has no kernels to choose from.");
			}
			if (hours != null) {
				fields.put("hours", java.math.BigDecimal.valueOf(hours).stripTrailingZeros().toPlainString());
			}
			choice = this.profiles.choose(fields);
			walltime = choice.isPresent() ? hours(choice.get().hours(), true) : this.walltime((hours != null) ? hours : formHours(fields));
		}
		catch (IllegalArgumentException ex) {
			return Mono.error(new ServerException(ServerException.Kind.INVALID, ex.getMessage()));
		}
		catch (ServerException ex) {
			return Mono.error(ex);
		}
		if (this.apps.find(app).isEmpty()) {
			return Mono.error(new ServerException(ServerException.Kind.INVALID,
					"Unknown app '" + app + "'. Available: " + this.apps.all().keySet() + "."));
		}
		Map<String, String> fieldValues;
		try {
			fieldValues = this.apps.find(app).get().fieldValues(appFields);
		}
		catch (IllegalArgumentException ex) {
			return Mono.error(new ServerException(ServerException.Kind.INVALID, ex.getMessage()));
		}
		Spawner spawner = this.spawners.get(choice.map(ProfileCatalog.Choice::scheduler).orElse(this.properties.spawn().spawner()));
		if (spawner == null) {
			return Mono.error(new ServerException(ServerException.Kind.INVALID, "That profile's scheduler is not enabled here."));
		}
		Map<String, String> options = choice.map(ProfileCatalog.Choice::options).orElse(Map.of());
		Instant now = Instant.now();
		ServerRecord record = new ServerRecord(user, server, app, ServerPhase.PENDING, spawner.name(), null, Secrets.newToken(),
				null, now, null, null, "Server requested", walltime.isZero() ? null : now.plus(walltime), null, null,
				choice.map(ProfileCatalog.Choice::profile).orElse(null));
		// The seat comes first, in memory: a start the pool cannot take is answered without a database write
		// (a class's burst is mostly refusals). The guard keeps two starts of the same server from deciding
		// about one seat at once; it is per server, so the burst's starts never wait for each other.
		String key = key(user, server);
		PlacementService.Seated placed = null;
		boolean heldBefore = false;
		if (choice.isPresent()) {
			if (this.starting.putIfAbsent(key, Boolean.TRUE) != null) {
				return Mono.error(new ServerException(ServerException.Kind.CONFLICT,
						"The server is already running or starting; stop it first."));
			}
			try {
				heldBefore = this.seats.holds(user, server);
				placed = this.seats.seat(choice.get(), user, server, groups, walltime);
			}
			catch (PlacementService.Refused ex) {
				this.starting.remove(key);
				return refused(record, ex.getMessage());
			}
			catch (RuntimeException ex) {
				this.starting.remove(key);
				throw ex;
			}
		}
		PlacementService.Seated seat = placed;
		// a seat taken for this start only goes back unless the claim wins (the server that holds the slot
		// already has its own seat, or none); also when the caller goes away before the claim answers
		boolean takenNow = placed != null && !heldBefore;
		java.util.concurrent.atomic.AtomicBoolean keepSeat = new java.util.concurrent.atomic.AtomicBoolean(!takenNow);
		// @formatter:off
		return this.servers.claim(record)
			.doOnNext((claimed) -> keepSeat.compareAndSet(false, claimed))
			.doFinally((signal) -> {
				if (!keepSeat.get()) {
					this.seats.release(user, server);
				}
				if (choice.isPresent()) {
					this.starting.remove(key);
				}
			})
			// building the request may hash the secret for the app (Argon2, CPU-bound): off the event loop
			.publishOn(Schedulers.boundedElastic())
			.flatMap((claimed) -> {
				if (!claimed) {
					return Mono.error(new ServerException(ServerException.Kind.CONFLICT,
							"The server is already running or starting; stop it first."));
				}
				PlacementService.Seated seated = seat;
				log.info("spawn requested user={} server={} app={}", user, server, app);
				remember(record);
				Startup startup = begin(record);
				startup.emit(ProgressEvent.step(0, "Server requested"));
				Map<String, String> spawnOptions = options;
				SpawnRequest request = request(record, options, kernel, fieldValues);
				if (seated != null) {
					startup.seat = seated.stateData();
					Map<String, String> withSeat = new java.util.HashMap<>(options);
					withSeat.remove("gres");
					withSeat.putAll(seated.options());
					spawnOptions = withSeat;
					request = withEnvironment(request(record, spawnOptions, kernel, fieldValues),
							this.placements.isBatch(spawner.name()) ? Map.of() : seated.environment());
					startup.emit(ProgressEvent.step(5, "Seat: " + PlacementService.describe(seated.stateData())));
				}
				SpawnRequest launched = request;
				Mono<SpawnHandle> turn = Mono.defer(() -> {
					startup.launching = true;
					// a stop that came while it waited in line: nothing is launched (see awaitState)
					return startup.abandoned ? Mono.empty() : spawner.start(launched);
				});
				Mono<SpawnHandle> launch = this.launches.get(spawner.name()).submit(turn, startup::inLine)
					.doOnNext((handle) -> startup.emit(ProgressEvent.step(10, "Server launched")));
				follow(record, spawner, launch, startup);
				return this.events.record(user, server, "spawn", "Server requested (" + app + ")").thenReturn(record);
			});
		// @formatter:on
	}

	/**
	 * Why a start of {@code server} must be refused before anything happens, or {@code null}: a name that
	 * breaks the rules or hides a path of the default server, named servers turned off, or the user's
	 * limit of named servers running at the same time reached (counted from memory; JupyterHub's
	 * {@code named_server_limit_per_user}, whose status and wording these follow).
	 */
	private @Nullable ServerException checkServerName(String user, String server) {
		if (server.isEmpty()) {
			return null;
		}
		if (!org.portico.gateway.security.Names.isValidServer(server)) {
			return new ServerException(ServerException.Kind.INVALID, org.portico.gateway.security.Names.serverRule());
		}
		if (org.portico.gateway.security.Names.isReservedServer(server)) {
			return new ServerException(ServerException.Kind.INVALID, org.portico.gateway.security.Names.reservedServerRule(server));
		}
		int limit = this.properties.spawn().namedServersLimit();
		if (limit == 0) {
			return new ServerException(ServerException.Kind.INVALID, "Named servers are not enabled on this site.");
		}
		long running = this.live.values().stream()
			.filter((record) -> record.user().equals(user) && !record.name().isEmpty() && !record.name().equals(server))
			.count();
		if (running >= limit) {
			return new ServerException(ServerException.Kind.INVALID, "You already run the maximum of " + limit
					+ " named servers; stop one before starting another.");
		}
		return null;
	}

	/**
	 * A start the placement pool refused before anything was claimed: the record is left as it was, the
	 * refusal goes into the event log, and the caller gets the pool's reason as the error.
	 */
	private Mono<ServerRecord> refused(ServerRecord record, String message) {
		return this.events.record(record.user(), record.name(), "spawn-refused", message)
			.then(Mono.error(new ServerException(ServerException.Kind.REFUSED, message)));
	}

	/**
	 * Stops a user's server, pending or running.
	 * @return emits the stopped record once the server is gone; errors with {@link ServerException}
	 * when it is not running
	 */
	public Mono<ServerRecord> stop(String user, String server, String why) {
		return this.servers.find(user, server)
			.filter((record) -> record.phase().active())
			.switchIfEmpty(Mono.error(() -> new ServerException(ServerException.Kind.CONFLICT, "The server is not running.")))
			.flatMap((record) -> stopRecord(record, why));
	}

	/**
	 * Stops a named server if it runs, then deletes its record, so that it leaves the user's list
	 * (JupyterHub's {@code DELETE .../servers/NAME {"remove": true}}).
	 * @return completes once the record is gone; errors with {@link ServerException} of kind
	 * {@code NOT_FOUND} when the user has no such server
	 */
	public Mono<Void> remove(String user, String server, String why) {
		if (server.isEmpty()) {
			return Mono.error(new ServerException(ServerException.Kind.INVALID, "The default server cannot be removed, only stopped."));
		}
		// @formatter:off
		return this.servers.find(user, server)
			.switchIfEmpty(Mono.error(() -> new ServerException(ServerException.Kind.NOT_FOUND, "You have no server named '" + server + "'.")))
			.flatMap((record) -> record.phase().active() ? stopRecord(record, why) : Mono.just(record))
			.then(this.servers.deleteInactive(user, server))
			.doOnNext((deleted) -> {
				if (deleted) {
					this.phases.remove(key(user, server));
					log.info("server removed user={} server={}", user, server);
				}
			})
			.then();
		// @formatter:on
	}

	/**
	 * The progress of a user's server start, JupyterHub's event stream.
	 * @return replays a start under way and completes when it is ready or failed; for a server that
	 * is not starting, one event that says where it stands
	 */
	public Flux<ProgressEvent> progress(String user, String server) {
		Startup startup = this.startups.get(key(user, server));
		if (startup != null) {
			return startup.progress.asFlux().doOnSubscribe((s) -> startup.watchers.incrementAndGet()).doFinally((signal) -> {
				startup.watchers.decrementAndGet();
				startup.lastWatched = System.currentTimeMillis();
			});
		}
		return this.servers.find(user, server).map((record) -> switch (record.phase()) {
			case RUNNING -> ProgressEvent.ready(AppCatalog.baseUrl(user, server));
			case PENDING -> ProgressEvent.step(0, "Server starting");
			case STOPPING -> ProgressEvent.failed("The server is stopping.");
			case STOPPED, FAILED -> ProgressEvent.failed((record.message() != null) ? record.message() : "The server is not running.");
		}).defaultIfEmpty(ProgressEvent.failed("The server has never been started.")).flux();
	}

	/** Where a user's servers stand, from the database. */
	public Flux<ServerRecord> serversOf(String user) {
		return this.servers.forUser(user);
	}

	// ---- the start pipeline

	private Startup begin(ServerRecord record) {
		Startup startup = new Startup();
		String key = key(record.user(), record.name());
		this.startups.put(key, startup);
		this.phases.put(key, ServerPhase.PENDING);
		return startup;
	}

	private void follow(ServerRecord record, Spawner spawner, Mono<SpawnHandle> launch, Startup startup) {
		String key = key(record.user(), record.name());
		// @formatter:off
		Mono<ServerRecord> pipeline = launch
			.flatMap((handle) -> {
				SpawnState state = withSeat(handle.state(), startup.seat);
				startup.state.set(state);
				ServerRecord launched = record.withState(state);
				// Saved the moment the process or job exists: a restart from here on finds it.
				return save(launched).then(awaitReady(launched, handle, startup));
			})
			.flatMap((running) -> schedulerDevice(spawner, running))
			.flatMap((running) -> save(running).thenReturn(running))
			.doOnNext((running) -> {
				this.phases.put(key, ServerPhase.RUNNING);
				startup.emit(ProgressEvent.ready(AppCatalog.baseUrl(record.user(), record.name())));
				this.startups.remove(key, startup);
				log.info("server ready user={} server={} target={}", record.user(), record.name(), running.target());
			})
			.onErrorResume((ex) -> failed(record, startup, ex));
		// @formatter:on
		// The start runs on its own, past the request that asked for it; failures are handled inside.
		startup.pipeline.set(pipeline.subscribe(null, (ex) -> log.error("start pipeline failed user={}", record.user(), ex)));
	}

	/**
	 * A running server whose GPU share the scheduler binds (Slurm picks the device of a shard): its seat moved
	 * to the device the job got, so the pool shows who really sits on which GPU, and stored so that a restart
	 * rebuilds the truth. One read-only query per start, bounded; without an answer the seat stays as it was.
	 */
	private Mono<ServerRecord> schedulerDevice(Spawner spawner, ServerRecord running) {
		SpawnState state = running.state();
		if (!PlacementService.schedulerPicksGpu(state)) {
			return Mono.just(running);
		}
		// @formatter:off
		return spawner.devices(state)
			.timeout(Duration.ofSeconds(15))
			.map((devices) -> {
				Map<String, String> moved = (devices.size() == 1) ? this.seats.moveGpu(running.user(), running.name(), devices.get(0)) : null;
				if (moved == null) {
					return running;
				}
				Map<String, String> data = new java.util.LinkedHashMap<>(state.data());
				data.putAll(moved);
				return running.withState(new SpawnState(state.spawner(), state.id(), data));
			})
			.onErrorResume((ex) -> {
				log.warn("no device answer for user={} server={}: {}", running.user(), running.name(), ex.toString());
				return Mono.just(running);
			});
		// @formatter:on
	}

	private Mono<ServerRecord> awaitReady(ServerRecord record, SpawnHandle handle, Startup startup) {
		// @formatter:off
		Mono<ServerEndpoint> ready = Mono.zip(handle.ready(),
				handle.progress().doOnNext((p) -> startup.emit(ProgressEvent.step(
						(p.percent() != null) ? Math.min(p.percent(), 90) : 50, p.message()))).then(Mono.just(true)))
			.map((both) -> both.getT1());
		return ready
			.doOnNext((endpoint) -> startup.emit(ProgressEvent.step(80, "Server is listening, waiting for it to answer")))
			.flatMap((endpoint) -> waitForHttp(record, endpoint).thenReturn(endpoint))
			// a route's credentials may be a password hash (Argon2, tens of ms): off the event loop
			.flatMap((endpoint) -> Mono.fromCallable(() -> route(record, endpoint.uri())).subscribeOn(Schedulers.boundedElastic())
				.flatMap((route) -> {
					// kept in the state: a batch job reports its endpoint once, and a restarted gateway must find it
					ServerRecord running = record.withState(withEndpoint(record.state(), endpoint)).running(endpoint.uri());
					return this.routes.put(route).thenReturn(running);
				}));
		// @formatter:on
	}

	/** The route to a server that answers at {@code target}, with the credentials its app takes. */
	private Route route(ServerRecord record, URI target) {
		String secret = (record.secret() != null) ? record.secret() : "";
		AppDefinition app = this.apps.find(record.app()).orElse(null);
		return new Route(AppCatalog.baseUrl(record.user(), record.name()), target, record.user(), record.name(),
				(app != null) ? app.authorization(secret) : "token " + secret, false, app != null && app.stripsPrefix(),
				(app != null) ? app.cookie(secret, record.user(), AppCatalog.serverKey(record.user(), record.name())) : null,
				(app != null) ? app.staticFiles() : null);
	}

	/** Polls the server over HTTP until it answers (any status below 500), within the HTTP timeout. */
	private Mono<Void> waitForHttp(ServerRecord record, ServerEndpoint endpoint) {
		AppDefinition app = this.apps.find(record.app()).orElse(null);
		String url = endpoint.uri() + ((app != null && app.stripsPrefix()) ? "/" : AppCatalog.baseUrl(record.user(), record.name()))
				+ ((app != null) ? app.readyPath() : "");
		Duration timeout = this.properties.spawn().httpTimeout();
		// @formatter:off
		return this.http.headers((h) -> h.set(HttpHeaderNames.AUTHORIZATION, "token " + record.secret()))
			.responseTimeout(Duration.ofSeconds(5))
			.get().uri(url)
			.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
			.flatMap((code) -> (code < 500) ? Mono.just(code) : Mono.error(new IllegalStateException("status " + code)))
			.retryWhen(Retry.fixedDelay(Long.MAX_VALUE, Duration.ofMillis(250)))
			.timeout(timeout, Mono.error(() -> new SpawnException("timeout",
					"The server listens but did not answer HTTP within " + timeout.toSeconds() + " s.",
					"http timeout user=" + record.user() + " url=" + endpoint.uri())))
			.then();
		// @formatter:on
	}

	private Mono<ServerRecord> failed(ServerRecord record, Startup startup, Throwable ex) {
		String message = (ex instanceof SpawnException spawn) ? spawn.userMessage() : "The server could not be started: internal error.";
		if (ex instanceof SpawnException) {
			log.warn("spawn failed user={} server={} reason={}: {}", record.user(), record.name(),
					((SpawnException) ex).reason(), ex.getMessage());
		}
		else {
			log.error("spawn failed user={} server={}", record.user(), record.name(), ex);
		}
		String key = key(record.user(), record.name());
		SpawnState state = startup.state.get();
		ServerRecord failed = record.withState(state).withPhase(ServerPhase.FAILED, message);
		Spawner spawner = spawnerOf(record);
		Mono<Void> cleanup = (state != null && spawner != null) ? spawner.stop(state, StopMode.NOW).onErrorResume((e) -> Mono.empty())
				: Mono.empty();
		// @formatter:off
		return cleanup
			.then(Mono.fromRunnable(() -> this.seats.release(record.user(), record.name())))
			.then(this.routes.remove(AppCatalog.baseUrl(record.user(), record.name())))
			.then(save(failed))
			.then(this.events.record(record.user(), record.name(), "spawn-failed", message))
			.then(Mono.fromRunnable(() -> {
				this.phases.put(key, ServerPhase.FAILED);
				startup.emit(ProgressEvent.failed("Spawn failed: " + message));
				this.startups.remove(key, startup);
			}))
			.thenReturn(failed);
		// @formatter:on
	}

	// ---- stopping

	private Mono<ServerRecord> stopRecord(ServerRecord record, String why) {
		String key = key(record.user(), record.name());
		Startup startup = this.startups.get(key);
		this.phases.put(key, ServerPhase.STOPPING);
		log.info("stop requested user={} server={} why={}", record.user(), record.name(), why);
		// @formatter:off
		if (startup != null) {
			startup.abandoned = true; // before awaitState reads launching: see Startup
		}
		Mono<@Nullable SpawnState> state = (startup != null) ? awaitState(startup, record) : Mono.justOrEmpty(record.state());
		return save(record.withPhase(ServerPhase.STOPPING, "Stopping"))
			.then(state.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty()))
			.flatMap((known) -> {
				if (startup != null) {
					Disposable pipeline = startup.pipeline.get();
					if (pipeline != null) {
						pipeline.dispose();
					}
					startup.emit(ProgressEvent.failed("The start was cancelled: " + why));
					this.startups.remove(key, startup);
				}
				Spawner spawner = spawnerOf(record);
				Mono<Void> stop = (known.isPresent() && spawner != null) ? spawner.stop(known.get(), StopMode.GRACEFUL) : Mono.empty();
				String spec = AppCatalog.baseUrl(record.user(), record.name());
				ServerRecord stopped = record.withState(known.orElse(null)).withPhase(ServerPhase.STOPPED, why);
				return this.routes.remove(spec)
					.then(stop)
					// the seat is free once the job is gone (stop waits for that), not before
					.then(Mono.fromRunnable(() -> this.seats.release(record.user(), record.name())))
					.then(Mono.fromRunnable(() -> this.activity.forget(spec)))
					.then(save(stopped))
					.then(this.events.record(record.user(), record.name(), "stop", why))
					.then(Mono.fromRunnable(() -> this.phases.put(key, ServerPhase.STOPPED)))
					.thenReturn(stopped);
			});
		// @formatter:on
	}

	/**
	 * The spawner state of a start under way (already marked abandoned), waiting briefly while the launch is
	 * still in flight.
	 */
	private Mono<@Nullable SpawnState> awaitState(Startup startup, ServerRecord record) {
		if (!startup.launching) {
			return Mono.justOrEmpty(record.state()); // still in the launch queue: nothing was started
		}
		return Mono.fromSupplier(() -> startup.state.get())
			.repeatWhenEmpty(100, (attempts) -> attempts.delayElements(Duration.ofMillis(100)))
			.switchIfEmpty(Mono.justOrEmpty(record.state()));
	}

	// ---- polling and re-attaching

	/**
	 * Re-attaches to every server the database lists as active, after a (re)start of the gateway.
	 */
	@EventListener(ApplicationReadyEvent.class)
	public void reattach() {
		// Runs once at start-up; the servers come back one by one and users see their progress meanwhile.
		// Seats first: the servers that come back hold theirs again, and those that do not give them back.
		// Reservations before seats: the seats members sit on count against their class's reservation.
		this.seats.restoreReservations()
			.thenMany(this.servers.active())
			.collectList()
			.doOnNext(this.seats::rebuild)
			.flatMapMany(Flux::fromIterable)
			.flatMap(this::reattach)
			.subscribe(null, (ex) -> log.error("re-attaching servers failed", ex));
	}

	private Mono<Void> reattach(ServerRecord record) {
		Spawner spawner = spawnerOf(record);
		SpawnState state = record.state();
		if (record.phase() == ServerPhase.STOPPING) {
			return stopRecord(record, "Stopped (the stop was interrupted by a gateway restart)").then();
		}
		if (spawner == null || state == null) {
			String message = "The gateway restarted before the server was launched; start it again.";
			return save(record.withPhase(ServerPhase.FAILED, message))
				.then(Mono.fromRunnable(() -> this.phases.put(key(record.user(), record.name()), ServerPhase.FAILED)));
		}
		log.info("re-attaching server user={} server={} phase={}", record.user(), record.name(), record.phase());
		remember(record);
		this.activity.restore(AppCatalog.baseUrl(record.user(), record.name()),
				(record.lastActivity() != null) ? record.lastActivity().toEpochMilli() : 0,
				(record.lastSeen() != null) ? record.lastSeen().toEpochMilli() : 0);
		// Pending until the server answers again: neither the API nor the proxy may call it ready before its route exists.
		ServerRecord reattaching = record.withPhase(ServerPhase.PENDING, "Re-attaching after a gateway restart");
		Startup startup = begin(reattaching);
		startup.emit(ProgressEvent.step(0, "Re-attaching to your server after a gateway restart"));
		startup.state.set(state);
		return save(reattaching).then(Mono.<Void>fromRunnable(
				() -> follow(reattaching, spawner, spawner.resume(state, request(reattaching, Map.of())), startup))
			.subscribeOn(Schedulers.boundedElastic())); // the request may hash the secret, as at a start
	}

	private void pollOnce() {
		// One sweep over active servers; each spawner's poll is cheap (local: /proc; batch: a shared view).
		// @formatter:off
		this.servers.active()
			.filter((record) -> record.phase() == ServerPhase.RUNNING && record.state() != null)
			.flatMap((record) -> {
				Spawner spawner = spawnerOf(record);
				if (spawner == null) {
					return Mono.empty();
				}
				return spawner.poll(record.state()).flatMap((status) -> onPoll(record, status));
			}, 8)
			.then(flushActivity())
			.subscribe(null, (ex) -> log.warn("poll sweep failed: {}", ex.toString()));
		// @formatter:on
	}

	private Mono<Void> onPoll(ServerRecord record, ServerStatus status) {
		if (status instanceof ServerStatus.Gone gone) {
			String message = "Your server stopped on its own: " + gone.reason() + ".";
			log.info("server gone user={} server={} reason={}", record.user(), record.name(), gone.reason());
			String spec = AppCatalog.baseUrl(record.user(), record.name());
			return this.routes.remove(spec)
				.then(Mono.fromRunnable(() -> this.seats.release(record.user(), record.name())))
				.then(Mono.fromRunnable(() -> this.activity.forget(spec)))
				.then(save(record.withPhase(ServerPhase.STOPPED, message)))
				.then(this.events.record(record.user(), record.name(), "gone", message))
				.then(Mono.fromRunnable(() -> this.phases.put(key(record.user(), record.name()), ServerPhase.STOPPED)));
		}
		if (status instanceof ServerStatus.Unknown unknown) {
			log.warn("server state unknown user={} server={}: {}", record.user(), record.name(), unknown.reason());
		}
		return Mono.empty();
	}

	/** Writes the activity clocks of every routed server to the database (so a kill -9 keeps them). */
	Mono<Void> flushActivity() {
		return Flux.fromIterable(this.activity.snapshot().entrySet())
			.flatMap((entry) -> this.routes.match(entry.getKey())
				.filter((route) -> !route.passthrough())
				.map((route) -> this.servers.touch(route.owner(), route.server(), entry.getValue()[0], entry.getValue()[1]))
				.orElse(Mono.empty()), 4)
			.then();
	}

	// ---- SmartLifecycle: the poll loop

	@Override
	public void start() {
		Duration interval = this.properties.spawn().pollInterval();
		this.poller = Flux.interval(interval, interval).onBackpressureDrop().subscribe((tick) -> pollOnce());
	}

	@Override
	public void stop() {
		Disposable current = this.poller;
		if (current != null) {
			current.dispose();
		}
		// Servers keep running: they outlive the gateway and are re-attached at the next start.
		this.startups.values().forEach((startup) -> {
			Disposable pipeline = startup.pipeline.get();
			if (pipeline != null) {
				pipeline.dispose();
			}
		});
	}

	@Override
	public boolean isRunning() {
		return this.poller != null && !this.poller.isDisposed();
	}

	// ---- walltime, pins and what sweeps read

	/** The records of active servers (pending, running, stopping), from memory. */
	public java.util.Collection<ServerRecord> live() {
		return this.live.values();
	}

	/**
	 * Whether anyone follows a pending start's progress, and since when nobody has.
	 * @return epoch ms of the last moment someone watched (now, while someone does), or {@code null}
	 * when no start is under way
	 */
	public @Nullable Long lastWatched(String user, String server) {
		Startup startup = this.startups.get(key(user, server));
		if (startup == null) {
			return null;
		}
		return (startup.watchers.get() > 0) ? System.currentTimeMillis() : startup.lastWatched;
	}

	/**
	 * Extends a running server's walltime by {@code hours}, within the {@code max-hours} of the profile it
	 * was started with ({@code portico.spawn.max-hours} without one) from its start. For a batch job the
	 * scheduler is asked first to lengthen the job to the new total ({@link Spawner#extend}); only once it has
	 * does the gateway move its own expiry, so the two never disagree.
	 * @return emits the updated record; errors with {@link ServerException} when it is not running, has no
	 * walltime or the extension would pass the maximum ({@code INVALID}, nothing asked of the scheduler), or
	 * when the scheduler refuses ({@code SCHEDULER}, with the scheduler's message; the expiry is unchanged)
	 */
	public Mono<ServerRecord> extend(String user, String server, double hours) {
		return runningRecord(user, server).flatMap((record) -> {
			if (record.expiresAt() == null || record.started() == null) {
				return Mono.error(new ServerException(ServerException.Kind.CONFLICT, "This server has no time limit to extend."));
			}
			double max = maxHours(record);
			if (!(hours > 0) || hours > max) {
				return Mono.error(new ServerException(ServerException.Kind.INVALID,
						"Extend by more than 0 and at most " + hours(max) + " h."));
			}
			Instant limit = record.started().plus(hours(max, true));
			Instant wanted = record.expiresAt().plus(hours(hours, true));
			if (wanted.isAfter(limit)) {
				return Mono.error(new ServerException(ServerException.Kind.INVALID, "A server may run at most "
						+ hours(max) + " h; it can be extended until " + limit + " at the latest."));
			}
			// the total from the start, as the walltime given at submission is counted (the scheduler counts
			// it from the job's own start, which only it knows)
			Duration total = Duration.between(record.started(), wanted);
			Spawner spawner = spawnerOf(record);
			Mono<Void> lengthen = (spawner != null && record.state() != null) ? spawner.extend(record.state(), total) : Mono.empty();
			// @formatter:off
			return lengthen
				.onErrorMap(SpawnException.class, (ex) -> {
					log.warn("extend refused user={} server={} reason={}: {}", user, server, ex.reason(), ex.getMessage());
					return new ServerException(ServerException.Kind.SCHEDULER, ex.userMessage());
				})
				.then(Mono.defer(() -> {
					// the latest record: a pin or activity saved while the scheduler was asked is kept
					ServerRecord current = this.live.getOrDefault(key(user, server), record);
					ServerRecord extended = current.withExpiry(wanted);
					log.info("time limit extended user={} server={} until={}", user, server, wanted);
					return save(extended).then(this.events.record(user, server, "extend", "Time limit extended to " + wanted))
						.thenReturn(extended);
				}));
			// @formatter:on
		});
	}

	/** The most hours a server may run: its profile's {@code max-hours}, else {@code portico.spawn.max-hours}. */
	private double maxHours(ServerRecord record) {
		return (record.profile() != null)
				? this.profiles.find(record.profile()).map((p) -> p.maxHours()).orElse(this.properties.spawn().maxHours())
				: this.properties.spawn().maxHours();
	}

	/**
	 * Pins a running server against idle culling until {@code until} (walltime and maximum age
	 * still apply); {@code null} removes the pin.
	 * @param maxKeep how far ahead a pin of this server may reach (its culling policy's max-keep)
	 * @return emits the pinned record; errors with {@link ServerException} when the server is not running
	 * or {@code until} is in the past or beyond {@code maxKeep}
	 */
	public Mono<ServerRecord> keep(String user, String server, @Nullable Instant until, Function<ServerRecord, Duration> maxKeep) {
		return runningRecord(user, server).flatMap((record) -> {
			Duration maxAhead = maxKeep.apply(record);
			if (until != null && (until.isBefore(Instant.now()) || until.isAfter(Instant.now().plus(maxAhead).plusSeconds(60)))) {
				return Mono.error(new ServerException(ServerException.Kind.INVALID,
						"A server can be kept from idle culling for at most " + span(maxAhead) + " ahead."));
			}
			ServerRecord pinned = record.withKeepUntil(until);
			return save(pinned).then(this.events.record(user, server, "keep",
					(until != null) ? "Kept from idle culling until " + until : "Keep-until pin removed")).thenReturn(pinned);
		});
	}

	/**
	 * The record of an active server (pending, running, stopping) from memory, without I/O; {@code null}
	 * when it is not active. For the hot path and pages that need a server's profile.
	 */
	public @Nullable ServerRecord liveRecord(String user, String server) {
		return this.live.get(key(user, server));
	}

	private Mono<ServerRecord> runningRecord(String user, String server) {
		ServerRecord record = this.live.get(key(user, server));
		if (record == null || record.phase() != ServerPhase.RUNNING) {
			return Mono.error(new ServerException(ServerException.Kind.CONFLICT, "The server is not running."));
		}
		return Mono.just(record);
	}

	private Duration walltime(@Nullable Double hours) {
		double max = this.properties.spawn().maxHours();
		double wanted = (hours != null) ? hours : this.properties.spawn().defaultHours();
		if (hours != null && (!(hours > 0) || hours > max)) {
			throw new ServerException(ServerException.Kind.INVALID,
					"Hours must be more than 0 and at most " + hours(max) + "; you asked for " + hours(hours) + ".");
		}
		return (wanted > 0) ? hours(wanted, true) : Duration.ZERO;
	}

	/** Hours from a form field, for a start without a profile; {@code null} when not given. */
	private static @Nullable Double formHours(Map<String, String> fields) {
		String text = fields.get("hours");
		if (text == null || text.isBlank()) {
			return null;
		}
		if (!text.strip().matches("[0-9]{1,4}(\\.[0-9]{1,4})?")) {
			throw new ServerException(ServerException.Kind.INVALID, "Hours must be a positive number.");
		}
		return Double.valueOf(text.strip());
	}

	/** {@code hours} as a duration (the flag only tells this overload from the formatting one). */
	private static Duration hours(double hours, boolean asDuration) {
		return Duration.ofSeconds(Math.round(hours * 3600));
	}

	private static String span(Duration duration) {
		return (duration.toMinutes() % 60 == 0) ? duration.toHours() + " h" : duration.toMinutes() + " min";
	}

	private static String hours(double hours) {
		return (hours == Math.rint(hours)) ? Long.toString((long) hours) : Double.toString(hours);
	}

	private Mono<Void> save(ServerRecord record) {
		return this.servers.save(record).then(Mono.fromRunnable(() -> remember(record)));
	}

	private void remember(ServerRecord record) {
		String key = key(record.user(), record.name());
		if (record.phase().active()) {
			this.live.put(key, record);
		}
		else {
			this.live.remove(key);
		}
	}

	// ---- helpers

	private SpawnRequest request(ServerRecord record, Map<String, String> options) {
		// a re-attach runs nothing again: the field values, which are not kept, are not needed
		return request(record, options, null, Map.of());
	}

	private SpawnRequest request(ServerRecord record, Map<String, String> options, @Nullable String kernel,
			Map<String, String> fields) {
		String secret = (record.secret() != null) ? record.secret() : "";
		AppCatalog.Placement placement = this.placements.placementFor(record.spawner(), record.user(), record.name());
		return this.apps.request(record.user(), record.name(), record.app(), secret,
				(placement != null) ? placement : this.apps.localPlacement(record.user(), record.name(), "127.0.0.1"), options, kernel,
				fields);
	}

	/** The spawner's state with the placement seat's data added (the seat must survive a restart). */
	private static SpawnState withSeat(SpawnState state, Map<String, String> seat) {
		if (seat.isEmpty()) {
			return state;
		}
		Map<String, String> data = new java.util.HashMap<>(state.data());
		data.putAll(seat);
		return new SpawnState(state.spawner(), state.id(), data);
	}

	/** A request with the seat's pinned variables added (spawners that take no pins as options: local). */
	private static SpawnRequest withEnvironment(SpawnRequest request, Map<String, String> pins) {
		if (pins.isEmpty()) {
			return request;
		}
		Map<String, String> env = new java.util.HashMap<>(request.environment());
		env.putAll(pins);
		return new SpawnRequest(request.user(), request.server(), request.command(), env, request.workDir(), request.logFile(),
				request.startTimeout(), request.options());
	}

	private static @Nullable SpawnState withEndpoint(@Nullable SpawnState state, ServerEndpoint endpoint) {
		if (state == null || state.get(BatchSpawner.HOST) != null) {
			return state;
		}
		Map<String, String> data = new java.util.HashMap<>(state.data());
		data.put(BatchSpawner.HOST, endpoint.host());
		data.put(BatchSpawner.PORT, Integer.toString(endpoint.port()));
		return new SpawnState(state.spawner(), state.id(), data);
	}

	private @Nullable Spawner spawnerOf(ServerRecord record) {
		return (record.spawner() != null) ? this.spawners.get(record.spawner()) : null;
	}

	private static String key(String user, String server) {
		return user + "/" + server;
	}
}
