package org.portico.gateway.placement;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.batch.BatchProperties;
import org.portico.gateway.batch.ProfileCatalog;
import org.portico.gateway.batch.ProfileProperties;
import org.portico.gateway.store.ReservationRecord;
import org.portico.gateway.store.ReservationStore;
import org.portico.gateway.store.ServerRecord;
import org.portico.spawner.SpawnState;
import org.portico.spawner.batch.BatchOptions;
import org.portico.spawner.exec.CommandRunner;
import org.portico.spawner.exec.LocalCommandRunner;
import org.portico.spawner.placement.Decision;
import org.portico.spawner.placement.ExistingSession;
import org.portico.spawner.placement.GpuBinding;
import org.portico.spawner.placement.GpuShare;
import org.portico.spawner.placement.GpuSharing;
import org.portico.spawner.placement.NodeCapacity;
import org.portico.spawner.placement.NodeReport;
import org.portico.spawner.placement.Oversubscription;
import org.portico.spawner.placement.PlacementEngine;
import org.portico.spawner.placement.PoolConfig;
import org.portico.spawner.placement.PoolView;
import org.portico.spawner.placement.Reservation;
import org.portico.spawner.placement.Seat;
import org.portico.spawner.placement.SeatPolicy;
import org.portico.spawner.placement.SeatSize;
import org.portico.spawner.placement.SessionRequest;
import org.portico.spawner.placement.UserLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One {@link PlacementEngine} per configured pool, and the gateway's use of it: a seat before a job is
 * submitted ({@link #seat}), given back when the server ends ({@link #release}), rebuilt from the
 * database's active servers after a restart ({@link #rebuild}), reservations opened and closed on a timer.
 *
 * <p>Every call answers at once (the engine takes microseconds and never waits); thread-safe. The nodes of a
 * pool read from a scheduler ({@code slurm}, {@code sge}, {@code pbs}; see {@link PoolSource}) are read when
 * the gateway starts, and again every {@code refresh-interval} off the request path: a re-read replaces the
 * engine's nodes ({@link PlacementEngine#updateNodes}) without holding up any start; a failed one keeps the
 * last good nodes.
 */
@Component
public final class PlacementService implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(PlacementService.class);

	/** The state key of the pool a server's seat is in. */
	public static final String POOL = "placement.pool";

	/** The state key of the slots per GPU on the seat's node (for showing "1 of 4"). */
	public static final String SLOTS_PER_GPU = "placement.slotsPerGpu";

	/** The state key of who binds the GPU: {@code SCHEDULER} (Slurm picks the device) or {@code ENVIRONMENT}. */
	public static final String BINDING = "placement.binding";

	/**
	 * The state key that says the seat's GPU index is the device the scheduler bound the job to (read from
	 * the scheduler once the job ran), not only Portico's count.
	 */
	public static final String GPU_CONFIRMED = "placement.gpuConfirmed";

	private static final Pattern MEMORY = Pattern.compile("([0-9]{1,12})\\s*([MmGgTt]?)");

	private static final Pattern GRES_SHARD = Pattern.compile("shard:([0-9]{1,3})");

	private final Map<String, PlacementEngine> engines = new TreeMap<>();

	private final Map<String, GpuBinding> bindings = new HashMap<>();

	private final Map<String, PoolSource> sources = new TreeMap<>();

	private final Map<String, Duration> refreshIntervals = new HashMap<>();

	private volatile @Nullable Disposable refreshers;

	private final ProfileCatalog profiles;

	private final Duration advanceInterval;

	private volatile @Nullable Disposable advancer;

	private final ReservationStore reservations;

	// The engine's rebuild must not run beside its reservation changes (advance, reserve, cancel): held seats
	// would land on nodes before the running sessions are counted. All of these are rare; place() never takes it.
	private final Object reservationLock = new Object();

	@Autowired
	public PlacementService(PlacementProperties properties, ProfileCatalog profiles, BatchProperties batch,
			ReservationStore reservations) {
		this(properties, profiles, batch, reservations, new LocalCommandRunner(LocalCommandRunner.DEFAULT_ENVIRONMENT, 8 * 1024 * 1024));
	}

	/** With the runner of the pools' node listings (a fake one in tests). */
	/* for testing */ PlacementService(PlacementProperties properties, ProfileCatalog profiles, BatchProperties batch,
			ReservationStore reservations, CommandRunner runner) {
		this.profiles = profiles;
		this.reservations = reservations;
		this.advanceInterval = properties.advanceInterval();
		properties.pools().forEach((name, pool) -> {
			PoolSource source = PoolSource.of(name, pool, batch, runner);
			List<NodeReport> reports = source.read().block(source.timeout());
			PlacementEngine engine = new PlacementEngine(config(name, pool, NodeReport.usable(Objects.requireNonNull(reports))));
			// nodes the scheduler lists as down or disabled are shown as closed, and open when it reports them usable
			List<String> closed = engine.updateNodes(reports);
			if (!closed.isEmpty()) {
				log.info("placement pool={} at start-up: {}", name, String.join(", ", closed));
			}
			this.engines.put(name, engine);
			this.sources.put(name, source);
			if (pool.refreshInterval().isNegative()) {
				throw new IllegalStateException("portico.placement.pools." + name + ".refresh-interval must not be negative");
			}
			this.refreshIntervals.put(name, pool.refreshInterval());
			this.bindings.put(name, switch (pool.gpuBinding().toLowerCase(Locale.ROOT)) {
				case "scheduler" -> GpuBinding.SCHEDULER;
				case "environment" -> GpuBinding.ENVIRONMENT;
				default -> throw new IllegalStateException("portico.placement.pools." + name + ".gpu-binding must be scheduler or environment");
			});
		});
		profiles.all().forEach((name, profile) -> {
			if (profile.pool() != null && !this.engines.containsKey(profile.pool())) {
				throw new IllegalStateException("profile " + name + " names no configured placement pool: " + profile.pool());
			}
			if (profile.pool() != null) {
				checkSchedulerFit(name, profile, profile.pool(), properties.pools().get(profile.pool()));
			}
		});
	}

	/**
	 * Refuses at start-up what a pool's seat cannot enforce on the profile's scheduler: a pool read from one
	 * scheduler used by a profile of another; on Grid Engine, a GPU bound by the scheduler (its consumable
	 * counts GPUs but binds no device, and it has no shards), a profile queue other than the pool's queue,
	 * and cores stretched beyond the queue's slots (Grid Engine enforces them: the extra starts would wait).
	 */
	private void checkSchedulerFit(String profileName, ProfileProperties.Profile profile, String poolName,
			PlacementProperties.Pool pool) {
		String prefix = "portico.placement.pools." + poolName;
		String scheduler = this.sources.get(poolName).scheduler();
		if (scheduler != null && !scheduler.equals(profile.scheduler())) {
			throw new IllegalStateException("profile " + profileName + " runs on " + profile.scheduler() + ", but pool "
					+ poolName + " reads its nodes from " + scheduler + " (" + prefix + ".source)");
		}
		if (!"sge".equals(profile.scheduler())) {
			return;
		}
		if (gpuShare(profile) != GpuShare.NONE && this.bindings.get(poolName) == GpuBinding.SCHEDULER) {
			throw new IllegalStateException("profile " + profileName + " asks for a GPU on Grid Engine, which binds no device "
					+ "and has no GPU shards: set " + prefix + ".gpu-binding to environment (Portico sets CUDA_VISIBLE_DEVICES)");
		}
		if ("sge".equals(scheduler) && pool.partition() != null) {
			if (profile.queue() != null && !profile.queue().equals(pool.partition())) {
				throw new IllegalStateException("profile " + profileName + " submits to queue " + profile.queue() + ", but pool "
						+ poolName + " seats on the instances of queue " + pool.partition());
			}
			if (pool.cpuFactor() > 1) {
				throw new IllegalStateException(prefix + ".cpu-factor must be 1 with source sge and a queue: Grid Engine "
						+ "enforces the queue's slots, so promised cores beyond them would wait; raise the queue's slots instead");
			}
		}
	}

	/** A seat given to a start: the spawn options and environment that enforce it, and what to persist. */
	public record Seated(String pool, Seat seat, Map<String, String> options, Map<String, String> environment,
			Map<String, String> stateData) {
	}

	/** A start the pool cannot take now; the message is the engine's sentence for the user. */
	public static final class Refused extends RuntimeException {

		private final String reason;

		Refused(String reason, String message) {
			super(message, null, false, false);
			this.reason = reason;
		}

		/** The engine's label (for logs and tests). */
		public String reason() {
			return this.reason;
		}
	}

	/**
	 * Takes a seat for a start whose profile names a pool.
	 * @param choice the user's checked choice
	 * @param groups the user's groups (for reservations)
	 * @return the seat, or {@code null} when the profile names no pool
	 * @throws Refused when the pool cannot take the session now
	 */
	public @Nullable Seated seat(ProfileCatalog.Choice choice, String user, String server, Set<String> groups,
			Duration walltime) {
		ProfileProperties.Profile profile = this.profiles.find(choice.profile()).orElse(null);
		if (profile == null || profile.pool() == null) {
			return null;
		}
		String pool = profile.pool();
		PlacementEngine engine = this.engines.get(pool);
		SessionRequest request = new SessionRequest(sessionId(user, server), user, groups, profile.cores(),
				memoryMiB(profile.memory()), gpuShare(profile), walltime);
		Decision decision = engine.place(request, Instant.now());
		if (decision instanceof Decision.Refused refused) {
			log.info("placement refused user={} server={} pool={} reason={}", user, server, pool, refused.reason());
			throw new Refused(refused.reason().name(), refused.message());
		}
		Seat seat = ((Decision.Admitted) decision).seat();
		GpuBinding binding = this.bindings.get(pool);
		Map<String, String> options = new LinkedHashMap<>();
		options.put("nodes", seat.node());
		options.put("cores", Integer.toString(seat.cores()));
		if (seat.memoryMiB() > 0) {
			options.put("memory", Long.toString(seat.memoryMiB()));
		}
		// the seat decides the GPU request: the profile's own gres or gpus would ask twice (a blank gres is none)
		options.put("gres", "");
		options.put("gpus", "0");
		if (binding == GpuBinding.SCHEDULER && seat.gpu() != null) {
			if (seat.wholeGpu()) {
				options.put("gpus", "1");
			}
			else {
				options.put("gres", "shard:" + seat.gpuSlots());
			}
		}
		options.put("oversubscribe", "true");
		Map<String, String> environment = seat.environment(binding);
		environment.forEach((key, value) -> options.put(BatchOptions.PIN + key, value));
		Map<String, String> data = new LinkedHashMap<>(seat.toStateData());
		data.put(POOL, pool);
		data.put(SLOTS_PER_GPU, Integer.toString(seat.slotsPerGpu()));
		data.put(BINDING, binding.name());
		log.info("placed user={} server={} pool={} node={} gpu={} slots={} cores={}", user, server, pool, seat.node(), seat.gpu(),
				seat.gpuSlots(), seat.cores());
		return new Seated(pool, seat, options, environment, data);
	}

	/** Whether a server holds a seat in any pool now. */
	public boolean holds(String user, String server) {
		String id = sessionId(user, server);
		for (PlacementEngine engine : this.engines.values()) {
			if (engine.seat(id) != null) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether a server's seat is bound to its GPU by the scheduler (and so must be read back from it).
	 */
	public static boolean schedulerPicksGpu(@Nullable SpawnState state) {
		return state != null && state.get(POOL) != null && state.get(ExistingSession.GPU) != null
				&& GpuBinding.SCHEDULER.name().equals(state.get(BINDING));
	}

	/**
	 * Moves a server's seat to the GPU device the scheduler bound its job to ({@link PlacementEngine#moveGpu}).
	 * @return the state data to store with the server (the device and {@link #GPU_CONFIRMED}), or
	 * {@code null} when the server has no seat with a GPU or its node has no such device
	 */
	public @Nullable Map<String, String> moveGpu(String user, String server, int device) {
		String id = sessionId(user, server);
		for (Map.Entry<String, PlacementEngine> entry : this.engines.entrySet()) {
			Seat moved = entry.getValue().moveGpu(id, device);
			if (moved != null) {
				log.info("seat bound by the scheduler user={} server={} pool={} node={} gpu={}", user, server, entry.getKey(),
						moved.node(), moved.gpu());
				return Map.of(ExistingSession.GPU, Integer.toString(moved.gpu()), GPU_CONFIRMED, "true");
			}
		}
		return null;
	}

	/** Gives back a server's seat, in whichever pool it is; idempotent, never blocks. */
	public void release(String user, String server) {
		String id = sessionId(user, server);
		for (PlacementEngine engine : this.engines.values()) {
			engine.release(id);
		}
	}

	/**
	 * Replaces every pool's sessions with the seats the active servers hold in the database, after a gateway
	 * restart: each server's spawn state carries its seat. Must run before any new start is placed.
	 */
	public void rebuild(Collection<ServerRecord> active) {
		Map<String, List<ExistingSession>> byPool = new HashMap<>();
		for (ServerRecord record : active) {
			SpawnState state = record.state();
			String pool = (state != null) ? state.get(POOL) : null;
			if (pool == null || !this.engines.containsKey(pool)) {
				continue;
			}
			try {
				byPool.computeIfAbsent(pool, (p) -> new ArrayList<>())
					.add(ExistingSession.fromStateData(sessionId(record.user(), record.name()), record.user(), state.data()));
			}
			catch (IllegalArgumentException ex) {
				log.warn("rebuild: no valid seat for user={} server={}: {}", record.user(), record.name(), ex.getMessage());
			}
		}
		Instant now = Instant.now();
		synchronized (this.reservationLock) {
			this.engines.forEach((name, engine) -> {
				engine.rebuild(byPool.getOrDefault(name, List.of()));
				// the reservations start over: hold their seats again now, not on the next tick
				engine.advance(now);
			});
		}
	}

	// ---- class reservations

	/**
	 * Gives each pool the reservations the database keeps (those not over yet), after a gateway restart:
	 * must complete before {@link #rebuild}, which counts the seats members sit on against them. Those of
	 * a pool no longer configured are skipped with a warning; ended ones are deleted.
	 * @return completes when every pool has them; errors only if the database does
	 */
	public Mono<Void> restoreReservations() {
		long now = System.currentTimeMillis();
		return this.reservations.deleteEnded(now)
			.thenMany(this.reservations.notEnded(now))
			.doOnNext((record) -> {
				try {
					if (!addReservation(record)) {
						log.warn("reservation id={} names pool={}, which is not configured (or used by no profile); skipped",
								record.id(), record.pool());
					}
				}
				catch (IllegalArgumentException ex) {
					log.warn("reservation id={} cannot be restored: {}", record.id(), ex.getMessage());
				}
			})
			.then();
	}

	/**
	 * Adds a reservation to its pool's engine, which holds its seats from its start (less the lead).
	 * @return {@code false} when the pool is unknown or no profile uses it
	 */
	public boolean addReservation(ReservationRecord record) {
		PlacementEngine engine = this.engines.get(record.pool());
		SeatSize size = seatSize(record.pool());
		if (engine == null || size == null) {
			return false;
		}
		Reservation reservation = new Reservation(record.id(), record.group(), record.seats(), size, record.start(), record.end(),
				Set.copyOf(record.nodes()));
		synchronized (this.reservationLock) {
			engine.reserve(reservation, Instant.now());
		}
		return true;
	}

	/** Ends a reservation in its pool now: its held seats return to everyone, members' sessions keep running. */
	public void cancelReservation(String pool, String id) {
		PlacementEngine engine = this.engines.get(pool);
		if (engine != null) {
			synchronized (this.reservationLock) {
				engine.cancelReservation(id);
			}
		}
	}

	/**
	 * The size of a reserved seat of a pool: the largest cores, memory and GPU share among the profiles that
	 * name the pool, so that a member's session of any of them fits in a held seat.
	 * @return the size, or {@code null} when the pool is unknown or no profile names it
	 */
	public @Nullable SeatSize seatSize(String pool) {
		if (!this.engines.containsKey(pool)) {
			return null;
		}
		int cores = 0;
		long memory = 0;
		GpuShare gpu = GpuShare.NONE;
		for (ProfileProperties.Profile profile : this.profiles.all().values()) {
			if (pool.equals(profile.pool())) {
				cores = Math.max(cores, profile.cores());
				memory = Math.max(memory, memoryMiB(profile.memory()));
				GpuShare share = gpuShare(profile);
				gpu = (share.ordinal() > gpu.ordinal()) ? share : gpu;
			}
		}
		return (cores > 0) ? new SeatSize(cores, memory, gpu) : null;
	}

	/**
	 * Per node of a pool, how many reserved seats ({@link #seatSize}) it holds when empty.
	 * @return node name to seats in configuration order; empty for an unknown pool or one no profile names
	 */
	public Map<String, Integer> emptySeats(String pool) {
		PlacementEngine engine = this.engines.get(pool);
		SeatSize size = seatSize(pool);
		return (engine == null || size == null) ? Map.of() : engine.emptySeats(size);
	}

	/** The pools by name, as a picture taken now. */
	public Map<String, PoolView> snapshot() {
		Map<String, PoolView> views = new LinkedHashMap<>();
		this.engines.forEach((name, engine) -> views.put(name, engine.snapshot()));
		return views;
	}

	/** The engine of a pool, or {@code null}. */
	@Nullable PlacementEngine engine(String pool) {
		return this.engines.get(pool);
	}

	/** Who binds the GPUs of a pool's seats, or {@code null} for an unknown pool. */
	public @Nullable GpuBinding binding(String pool) {
		return this.bindings.get(pool);
	}

	/** The names of the pools. */
	public Set<String> pools() {
		return this.engines.keySet();
	}

	/**
	 * A server's seat as the user model shows it, from its spawn state.
	 * @return {@code pool}, {@code node}, {@code gpu}, {@code gpu_slots}, {@code slots_per_gpu}, {@code cores},
	 * {@code memory_mib}, {@code reservation} and a sentence in {@code text}; {@code null} without a seat
	 */
	public static @Nullable Map<String, Object> model(@Nullable SpawnState state) {
		if (state == null || state.get(POOL) == null || state.get(ExistingSession.NODE) == null) {
			return null;
		}
		Map<String, String> data = state.data();
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("pool", data.get(POOL));
		model.put("node", data.get(ExistingSession.NODE));
		model.put("gpu", integer(data.get(ExistingSession.GPU)));
		model.put("gpu_slots", integer(data.get(ExistingSession.GPU_SLOTS)));
		model.put("slots_per_gpu", integer(data.get(SLOTS_PER_GPU)));
		model.put("cores", integer(data.get(ExistingSession.CORES)));
		model.put("memory_mib", integer(data.get("placement.memoryMiB")));
		model.put("reservation", data.get(ExistingSession.RESERVATION));
		model.put("gpu_bound_by", (data.get(BINDING) != null) ? data.get(BINDING).toLowerCase(Locale.ROOT) : null);
		model.put("gpu_confirmed", "true".equals(data.get(GPU_CONFIRMED)) || !GpuBinding.SCHEDULER.name().equals(data.get(BINDING)));
		model.put("text", describe(data));
		return model;
	}

	/** A seat in words, e.g. "node gpu07, GPU 1 (1 of 4 slots), 2 cores". */
	public static String describe(Map<String, String> data) {
		StringBuilder text = new StringBuilder("node ").append(data.get(ExistingSession.NODE));
		String gpu = data.get(ExistingSession.GPU);
		if (gpu != null) {
			String slots = data.getOrDefault(ExistingSession.GPU_SLOTS, "?");
			String per = data.getOrDefault(SLOTS_PER_GPU, "?");
			String share = slots.equals(per) ? "a whole GPU" : slots + " of " + per + " slots of a GPU";
			// Slurm 22.05 cannot be asked for a shard of one given GPU: it picks the device, so Portico's index
			// is its own count per GPU, not the device the job sees
			boolean unknownDevice = GpuBinding.SCHEDULER.name().equals(data.get(BINDING)) && !"true".equals(data.get(GPU_CONFIRMED));
			text.append(unknownDevice ? ", " + share + " (the scheduler picks the device)" : ", GPU " + gpu + " (" + share + ")");
		}
		else {
			text.append(", no GPU");
		}
		String cores = data.getOrDefault(ExistingSession.CORES, "?");
		text.append(", ").append(cores).append(cores.equals("1") ? " core" : " cores");
		if (data.get(ExistingSession.RESERVATION) != null) {
			text.append(", reserved seat");
		}
		return text.toString();
	}

	private static @Nullable Long integer(@Nullable String text) {
		try {
			return (text != null) ? Long.valueOf(text) : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	static String sessionId(String user, String server) {
		return user + "/" + server;
	}

	// ---- building a pool

	private static PoolConfig config(String name, PlacementProperties.Pool pool, List<NodeCapacity> nodes) {
		if (nodes.isEmpty()) {
			throw new IllegalStateException("placement pool " + name + " has no usable node");
		}
		GpuSharing sharing = (pool.gpuSliceMib() > 0) ? GpuSharing.slicesOf(pool.gpuSliceMib()) : GpuSharing.sessions(pool.sessionsPerGpu());
		SeatPolicy policy = switch (pool.policy().toLowerCase(Locale.ROOT)) {
			case "spread" -> SeatPolicy.SPREAD;
			case "pack" -> SeatPolicy.PACK;
			default -> throw new IllegalStateException("portico.placement.pools." + name + ".policy must be spread or pack");
		};
		Duration maxWalltime = Duration.ofSeconds(Math.round(pool.maxHours() * 3600));
		UserLimits limits = new UserLimits(pool.maxSessionsPerUser(), maxWalltime, pool.maxCoresPerUser());
		log.info("placement pool={} source={} nodes={} cpu-factor={} sessions-per-gpu={} refresh-interval={}", name, pool.source(),
				nodes.size(), pool.cpuFactor(), pool.sessionsPerGpu(), pool.refreshInterval());
		return new PoolConfig(nodes, new Oversubscription(pool.cpuFactor(), pool.memoryFactor(), sharing), policy, limits,
				Duration.ofHours(1).compareTo(maxWalltime) <= 0 ? Duration.ofHours(1) : maxWalltime, pool.mpsLimits(),
				pool.reservationLead(), ZoneId.systemDefault(), List.of());
	}

	static long memoryMiB(@Nullable String memory) {
		if (memory == null || memory.isBlank()) {
			return 0;
		}
		Matcher m = MEMORY.matcher(memory.strip());
		if (!m.matches()) {
			throw new IllegalStateException("profile memory is not a size: " + memory);
		}
		long n = Long.parseLong(m.group(1));
		return switch (m.group(2).toUpperCase(Locale.ROOT)) {
			case "G" -> n * 1024;
			case "T" -> n * 1024 * 1024;
			default -> n;
		};
	}

	/** A profile's GPU wish: {@code gres: shard:N} is a slice, {@code gpus >= 1} a whole GPU. */
	static GpuShare gpuShare(ProfileProperties.Profile profile) {
		if (profile.gres() != null && GRES_SHARD.matcher(profile.gres()).matches()) {
			return GpuShare.SLICE;
		}
		if (profile.gpus() > 0 || (profile.gres() != null && profile.gres().startsWith("gpu"))) {
			return GpuShare.WHOLE;
		}
		return GpuShare.NONE;
	}

	// ---- SmartLifecycle: reservations open and close on time

	@Override
	public void start() {
		if (this.engines.isEmpty()) {
			return;
		}
		Disposable.Composite refreshing = Disposables.composite();
		this.sources.forEach((name, source) -> {
			Duration every = this.refreshIntervals.get(name);
			if (source.live() && !every.isZero()) {
				// one read at a time per pool; a tick that comes while one runs is dropped. The error consumer only
				// guards the timer: refresh() already turns every failure into a warning.
				refreshing.add(Flux.interval(every, every)
					.onBackpressureDrop()
					.concatMap((tick) -> refresh(name), 1)
					.subscribe(null, (ex) -> log.error("placement pool={} refresh timer stopped", name, ex)));
			}
		});
		this.refreshers = refreshing;
		this.advancer = Flux.interval(this.advanceInterval, this.advanceInterval)
			.onBackpressureDrop()
			.subscribe((tick) -> {
				Instant now = Instant.now();
				synchronized (this.reservationLock) {
					this.engines.values().forEach((engine) -> engine.advance(now));
				}
			});
	}

	/**
	 * Reads a pool's nodes anew and gives them to its engine.
	 * @return completes when the nodes are replaced, or at once with a warning logged when the read failed,
	 * timed out or gave a listing the engine refused (the last good nodes stay); never errors. Runs the
	 * command off the caller's thread; the engine's update takes microseconds.
	 */
	Mono<Void> refresh(String name) {
		PoolSource source = this.sources.get(name);
		PlacementEngine engine = this.engines.get(name);
		// @formatter:off
		return source.read()
			.timeout(source.timeout(), Mono.error(() -> new IllegalStateException("no answer within " + source.timeout())))
			.doOnNext((reports) -> {
				List<String> changes;
				synchronized (this.reservationLock) {
					changes = engine.updateNodes(reports);
				}
				if (!changes.isEmpty()) {
					log.info("placement pool={} nodes changed: {}; {} listed, {} usable", name, String.join(", ", changes),
							reports.size(), NodeReport.usable(reports).size());
				}
			})
			.then()
			.onErrorResume((ex) -> {
				// the fallback is the last good node set, which the engine keeps
				log.warn("placement pool={} could not re-read its nodes, keeping the last good ones: {}", name, ex.getMessage());
				return Mono.empty();
			});
		// @formatter:on
	}

	@Override
	public void stop() {
		Disposable current = this.advancer;
		if (current != null) {
			current.dispose();
		}
		this.advancer = null;
		Disposable refreshing = this.refreshers;
		if (refreshing != null) {
			refreshing.dispose();
		}
		this.refreshers = null;
	}

	@Override
	public boolean isRunning() {
		return this.advancer != null;
	}
}
