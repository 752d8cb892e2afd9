package org.portico.spawner.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.CommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The shared view of all of Portico's jobs on one scheduler: ONE {@link BatchScheduler#queryAll()} per
 * interval (plus a random jitter, so that several gateways do not query in step), never one query per user
 * or per job. Spawners answer {@code poll} and follow their jobs from it.
 *
 * <p>A failed, unparseable or timed-out query never makes a job {@link JobState#GONE}: the new snapshot is a
 * failed one in which every job is {@link JobState#UNKNOWN} (batchspawner's rule: unknown is transient), and
 * the last good snapshot is kept for what it knew (the node a job ran on). A job is GONE only when a
 * successful query that began after the job's submission no longer lists it.
 *
 * <p>Lifecycle: {@link #start()} once (the gateway does this at start-up), {@link #close()} at shutdown.
 * {@link #refreshSoon()} asks for an early query (coalesced, at most one per {@code minRefreshGap}), for
 * example when a job reports that its server listens before the view has seen it running. Thread-safe.
 */
public final class SchedulerView implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(SchedulerView.class);

	private final BatchScheduler scheduler;

	private final CommandRunner runner;

	private final Settings settings;

	private final Scheduler timer;

	private final LongSupplier random;

	private final Sinks.Many<Snapshot> snapshots = Sinks.many().replay().latest();

	private final Sinks.Many<Boolean> nudges = Sinks.many().multicast().directBestEffort();

	private final AsyncCache<String, JobStatus> ended = Caffeine.newBuilder()
		.expireAfterWrite(Duration.ofHours(1))
		.maximumSize(10_000)
		.buildAsync();

	private volatile Snapshot current;

	private volatile @Nullable Disposable loop;

	private volatile long lastQueryStart = Long.MIN_VALUE;

	/**
	 * Settings of a view.
	 * @param interval the time between two queries
	 * @param jitter the largest random delay added to each interval's query
	 * @param queryTimeout how long one query may take before it counts as failed
	 * @param minRefreshGap the shortest time between two queries, {@link #refreshSoon()} included
	 * @param jobNamePrefix Portico's tag: only jobs whose names start with it are kept (all pending jobs still
	 * count for queue positions)
	 * @param gracePeriod how long after a submission a job missing from a listing is still taken as not yet
	 * listed (clock differences, scheduler latency) rather than gone
	 */
	public record Settings(Duration interval, Duration jitter, Duration queryTimeout, Duration minRefreshGap,
			String jobNamePrefix, Duration gracePeriod) {

		public Settings {
			Objects.requireNonNull(interval, "interval");
			Objects.requireNonNull(jitter, "jitter");
			Objects.requireNonNull(queryTimeout, "queryTimeout");
			Objects.requireNonNull(minRefreshGap, "minRefreshGap");
			Objects.requireNonNull(jobNamePrefix, "jobNamePrefix");
			Objects.requireNonNull(gracePeriod, "gracePeriod");
			if (interval.isZero() || interval.isNegative() || jitter.isNegative() || queryTimeout.isZero()
					|| queryTimeout.isNegative()) {
				throw new IllegalArgumentException("interval and query timeout must be positive, jitter not negative");
			}
		}

		/** Every 10 s, up to 2 s of jitter, 20 s query timeout, early refreshes at most every 2 s. */
		public static Settings defaults(String jobNamePrefix) {
			return new Settings(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(20),
					Duration.ofSeconds(2), jobNamePrefix, Duration.ofSeconds(5));
		}
	}

	/**
	 * @param timer where intervals, jitter and timeouts are timed ({@code Schedulers.parallel()}, or a virtual
	 * time scheduler in tests)
	 * @param random source of jitter: returns a non-negative long, used modulo the jitter in milliseconds
	 */
	public SchedulerView(BatchScheduler scheduler, CommandRunner runner, Settings settings, Scheduler timer,
			LongSupplier random) {
		this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
		this.runner = Objects.requireNonNull(runner, "runner");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.timer = Objects.requireNonNull(timer, "timer");
		this.random = Objects.requireNonNull(random, "random");
		this.current = Snapshot.initial(now());
		this.snapshots.tryEmitNext(this.current);
	}

	/** The scheduler this view watches. */
	public BatchScheduler scheduler() {
		return this.scheduler;
	}

	/** Now, on the view's timer (virtual in tests). */
	public Instant now() {
		return Instant.ofEpochMilli(this.timer.now(TimeUnit.MILLISECONDS));
	}

	/**
	 * Starts querying: the first query right away, then one per interval. Idempotent. Does not block.
	 */
	public synchronized void start() {
		if (this.loop != null) {
			return;
		}
		// @formatter:off
		Flux<Boolean> ticks = Flux.interval(Duration.ZERO, this.settings.interval(), this.timer)
			.map((tick) -> Boolean.FALSE)
			.mergeWith(this.nudges.asFlux())
			.onBackpressureDrop();
		this.loop = ticks
			.concatMap((nudge) -> nudge ? queryIfDue() : jitter().then(queryOnce()), 1)
			.subscribe((snapshot) -> { }, (error) -> log.error("scheduler view loop ended scheduler={}", this.scheduler.name(), error));
		// @formatter:on
		log.info("scheduler view started scheduler={} interval={}ms", this.scheduler.name(),
				this.settings.interval().toMillis());
	}

	/** Stops querying. Idempotent. */
	@Override
	public synchronized void close() {
		Disposable running = this.loop;
		if (running != null) {
			running.dispose();
			this.loop = null;
			log.info("scheduler view stopped scheduler={}", this.scheduler.name());
		}
	}

	/** Asks for an early query; coalesced with others and at most one per {@code minRefreshGap}. Never blocks. */
	public void refreshSoon() {
		this.nudges.tryEmitNext(Boolean.TRUE);
	}

	/** The latest snapshot (initially an empty, not yet successful one). */
	public Snapshot current() {
		return this.current;
	}

	/** The latest snapshot, then each new one; never completes while the view runs. */
	public Flux<Snapshot> snapshots() {
		return this.snapshots.asFlux();
	}

	/** Where a job stands according to the latest snapshot; see {@link Snapshot#statusOf}. */
	public JobStatus status(String jobId, Instant submittedAt) {
		return this.current.statusOf(jobId, submittedAt, this.settings.gracePeriod());
	}

	/** The job's status in the latest snapshot, then in each new one. */
	public Flux<JobStatus> watch(String jobId, Instant submittedAt) {
		return snapshots().map((snapshot) -> snapshot.statusOf(jobId, submittedAt, this.settings.gracePeriod()));
	}

	/**
	 * How a job that is no longer listed ended, from the scheduler's accounting where it has one; asked once
	 * per job and cached for an hour.
	 * @return emits the ended job's status: its accounting record, or {@link JobState#GONE} when there is none;
	 * never errors (an accounting failure also gives GONE, and is not cached)
	 */
	public Mono<JobStatus> endedStatus(String jobId) {
		Optional<org.portico.spawner.exec.CommandLine> command = this.scheduler.accounting(jobId);
		JobStatus gone = JobStatus.of(jobId, JobState.GONE, "no longer listed by " + this.scheduler.name());
		if (command.isEmpty()) {
			return Mono.just(gone);
		}
		return Mono.fromFuture(() -> this.ended.get(jobId, (id, executor) -> this.runner.run(command.get())
			.map((result) -> this.scheduler.parseAccounting(id, result)
				.orElseThrow(() -> new IllegalStateException("accounting does not know job " + id)))
			.toFuture()))
			.onErrorResume((ex) -> {
				log.debug("no accounting record scheduler={} jobId={}: {}", this.scheduler.name(), jobId, ex.getMessage());
				return Mono.just(gone);
			});
	}

	private Mono<Void> jitter() {
		long max = this.settings.jitter().toMillis();
		if (max <= 0) {
			return Mono.empty();
		}
		long delay = Math.floorMod(this.random.getAsLong(), max);
		return Mono.delay(Duration.ofMillis(delay), this.timer).then();
	}

	private Mono<Snapshot> queryIfDue() {
		long sinceLast = this.timer.now(TimeUnit.MILLISECONDS) - this.lastQueryStart;
		return (sinceLast < this.settings.minRefreshGap().toMillis()) ? Mono.empty() : queryOnce();
	}

	/** Runs one query now and publishes its snapshot. */
	Mono<Snapshot> queryOnce() {
		return Mono.defer(() -> {
			this.lastQueryStart = this.timer.now(TimeUnit.MILLISECONDS);
			Instant started = now();
			// @formatter:off
			return this.runner.run(this.scheduler.queryAll())
				.timeout(this.settings.queryTimeout(), this.timer)
				.map((result) -> succeeded(started, result))
				.onErrorResume((ex) -> Mono.just(failed(started, describe(ex))));
			// @formatter:on
		}).doOnNext(this::publish);
	}

	private Snapshot succeeded(Instant started, CommandResult result) {
		if (!result.success()) {
			throw new IllegalStateException(this.scheduler.name() + " query failed: " + result.message(300));
		}
		Map<String, JobStatus> all = this.scheduler.parseQueryAll(result);
		Map<String, JobStatus> ours = withQueuePositions(all, this.settings.jobNamePrefix());
		log.debug("scheduler query ok scheduler={} jobs={} portico={} took={}ms", this.scheduler.name(), all.size(),
				ours.size(), result.duration().toMillis());
		return new Snapshot(started, now(), true, null, ours, null);
	}

	private Snapshot failed(Instant started, String error) {
		Snapshot previous = this.current;
		Snapshot lastGood = previous.ok() ? previous : previous.lastGood();
		log.warn("scheduler query failed, all jobs UNKNOWN until the next success scheduler={} error={}",
				this.scheduler.name(), error);
		return new Snapshot(started, now(), false, error, Map.of(), lastGood);
	}

	private void publish(Snapshot snapshot) {
		this.current = snapshot;
		this.snapshots.tryEmitNext(snapshot);
	}

	private String describe(Throwable ex) {
		if (ex instanceof TimeoutException) {
			return "no answer within " + this.settings.queryTimeout().toMillis() + " ms";
		}
		return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
	}

	/**
	 * Portico's jobs (name starts with {@code prefix}), the pending ones with their place among ALL pending
	 * jobs of their partition: by priority (highest first), then submission time, then job id.
	 */
	static Map<String, JobStatus> withQueuePositions(Map<String, JobStatus> all, String prefix) {
		Map<String, List<JobStatus>> pendingByPartition = new LinkedHashMap<>();
		for (JobStatus job : all.values()) {
			if (job.state() == JobState.PENDING) {
				pendingByPartition.computeIfAbsent(Objects.requireNonNullElse(job.partition(), ""), (p) -> new ArrayList<>())
					.add(job);
			}
		}
		Comparator<JobStatus> order = Comparator.comparingLong(JobStatus::priority)
			.reversed()
			.thenComparing(JobStatus::submitTime, Comparator.nullsLast(Comparator.naturalOrder()))
			.thenComparing(JobStatus::jobId, SchedulerView::compareIds);
		Map<String, JobStatus> positioned = new LinkedHashMap<>();
		for (List<JobStatus> pending : pendingByPartition.values()) {
			pending.sort(order);
			for (int i = 0; i < pending.size(); i++) {
				positioned.put(pending.get(i).jobId(), pending.get(i).withQueuePosition(i + 1, pending.size()));
			}
		}
		Map<String, JobStatus> ours = new LinkedHashMap<>();
		for (JobStatus job : all.values()) {
			if (job.name() != null && job.name().startsWith(prefix)) {
				ours.put(job.jobId(), positioned.getOrDefault(job.jobId(), job));
			}
		}
		return Map.copyOf(ours);
	}

	/** Numeric order where both ids start with digits ("9" before "10"), else text order. */
	static int compareIds(String a, String b) {
		String da = leadingDigits(a);
		String db = leadingDigits(b);
		if (!da.isEmpty() && !db.isEmpty() && da.length() != db.length()) {
			return Integer.compare(da.length(), db.length());
		}
		return a.compareTo(b);
	}

	private static String leadingDigits(String s) {
		int i = 0;
		while (i < s.length() && Character.isDigit(s.charAt(i))) {
			i++;
		}
		return s.substring(0, i);
	}

	/**
	 * One query's outcome.
	 * @param queriedAt when the query began
	 * @param completedAt when it ended
	 * @param ok whether it succeeded (a failed snapshot lists nothing: every job is UNKNOWN)
	 * @param error why it failed
	 * @param jobs Portico's jobs by id, with queue positions
	 * @param lastGood the last successful snapshot before a failed one
	 */
	public record Snapshot(Instant queriedAt, Instant completedAt, boolean ok, @Nullable String error,
			Map<String, JobStatus> jobs, @Nullable Snapshot lastGood) {

		public Snapshot {
			jobs = Map.copyOf(jobs);
			if (lastGood != null) {
				// keep one level only: a chain of failures must not keep a chain of snapshots alive
				lastGood = new Snapshot(lastGood.queriedAt(), lastGood.completedAt(), lastGood.ok(), lastGood.error(),
						lastGood.jobs(), null);
			}
		}

		static Snapshot initial(Instant now) {
			return new Snapshot(now, now, false, "no scheduler query yet", Map.of(), null);
		}

		/**
		 * Where a job stands: as listed; {@link JobState#UNKNOWN} when this snapshot failed or began before
		 * the job was submitted (plus {@code grace}); {@link JobState#GONE} when a good snapshot that began
		 * later no longer lists it.
		 */
		public JobStatus statusOf(String jobId, Instant submittedAt, Duration grace) {
			if (!this.ok) {
				return JobStatus.of(jobId, JobState.UNKNOWN, "the scheduler did not answer: " + this.error);
			}
			JobStatus listed = this.jobs.get(jobId);
			if (listed != null) {
				return listed;
			}
			if (this.queriedAt.isBefore(submittedAt.plus(grace))) {
				return JobStatus.of(jobId, JobState.UNKNOWN, "not listed by the scheduler yet");
			}
			return JobStatus.of(jobId, JobState.GONE, "no longer listed by the scheduler");
		}

		/** The job as the latest successful query listed it (this snapshot or the last good one). */
		public Optional<JobStatus> lastKnown(String jobId) {
			if (this.ok) {
				return Optional.ofNullable(this.jobs.get(jobId));
			}
			return (this.lastGood != null) ? Optional.ofNullable(this.lastGood.jobs().get(jobId)) : Optional.empty();
		}
	}
}
