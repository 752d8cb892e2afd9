package org.portico.gateway.cull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.app.AppCatalog;
import org.portico.gateway.lifecycle.ActivityTracker;
import org.portico.gateway.lifecycle.ServerException;
import org.portico.gateway.lifecycle.ServerManager;
import org.portico.gateway.store.EventStore;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sweeps the active servers every {@code portico.cull.interval}: probes Jupyter servers' kernels,
 * applies {@link CullRules}, stops what must go with the reason recorded (or only reports it in a
 * dry run), and warns before a walltime ends.
 *
 * <p>A sweep reads the servers, their activity clocks and their profiles' policies ({@link CullPolicies})
 * from memory and costs O(active servers); it never queries a scheduler per server.
 */
@Component
public final class IdleCuller implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(IdleCuller.class);

	/** One line of the last sweep's report. */
	public record Verdict(String user, String server, String action, String reason, boolean dryRun) {
	}

	private final ServerManager servers;

	private final ActivityTracker activity;

	private final KernelProbe probe;

	private final AppCatalog apps;

	private final EventStore events;

	private final CullProperties policy;

	private final CullPolicies policies;

	/** When each running server's kernels were last seen busy (epoch ms), by route spec. */
	private final ConcurrentHashMap<String, Long> lastBusy = new ConcurrentHashMap<>();

	/** Servers already warned, or already reported in a dry run, so each is told once. */
	private final Set<String> told = ConcurrentHashMap.newKeySet();

	private volatile List<Verdict> lastSweep = List.of();

	private volatile @Nullable Disposable timer;

	public IdleCuller(ServerManager servers, ActivityTracker activity, KernelProbe probe, AppCatalog apps, EventStore events,
			CullProperties policy, CullPolicies policies) {
		this.servers = servers;
		this.activity = activity;
		this.probe = probe;
		this.apps = apps;
		this.events = events;
		this.policy = policy;
		this.policies = policies;
	}

	/** The global settings in force ({@code portico.cull.*}). */
	public CullProperties policy() {
		return this.policy;
	}

	/** The effective policy of each profile, and the global one. */
	public CullPolicies policies() {
		return this.policies;
	}

	/** What the last sweep decided for each active server. */
	public List<Verdict> lastSweep() {
		return this.lastSweep;
	}

	/**
	 * One sweep.
	 * @return emits the verdicts once every decision has been acted on
	 */
	public Mono<List<Verdict>> sweep(Instant now) {
		// @formatter:off
		return Flux.fromIterable(List.copyOf(this.servers.live()))
			.filter((record) -> record.phase() == ServerPhase.RUNNING || record.phase() == ServerPhase.PENDING)
			.flatMap((record) -> kernels(record).map((state) -> decide(record, state, now)), 8)
			.concatMap(this::act)
			.collectList()
			.doOnNext((verdicts) -> this.lastSweep = List.copyOf(verdicts));
		// @formatter:on
	}

	private Mono<KernelState> kernels(ServerRecord record) {
		boolean jupyter = record.phase() == ServerPhase.RUNNING
				&& this.apps.find(record.app()).map((app) -> "jupyter".equals(app.activityProbe())).orElse(false);
		if (!jupyter || this.policies.of(record).idleTimeout().isZero()) {
			return Mono.just(KernelState.NOT_APPLICABLE);
		}
		String spec = AppCatalog.baseUrl(record.user(), record.name());
		return this.probe.probe(record, this.policy.probeTimeout()).doOnNext((state) -> {
			log.debug("kernel probe user={} server={} known={} busy={} kernels={}", record.user(), record.name(), state.known(),
					state.busy(), state.kernels());
			if (state.busy()) {
				this.lastBusy.put(spec, System.currentTimeMillis());
			}
		});
	}

	private Map.Entry<ServerRecord, CullRules.Decision> decide(ServerRecord record, KernelState kernels, Instant now) {
		String spec = AppCatalog.baseUrl(record.user(), record.name());
		ActivityTracker.Clocks clocks = this.activity.of(spec);
		long human = Math.max((clocks != null) ? clocks.human() : 0,
				(record.lastActivity() != null) ? record.lastActivity().toEpochMilli() : 0);
		CullRules.Inputs inputs = new CullRules.Inputs(record, human, this.lastBusy.getOrDefault(spec, 0L), kernels,
				this.servers.lastWatched(record.user(), record.name()));
		return Map.entry(record, CullRules.decide(inputs, now, this.policies.of(record)));
	}

	private Mono<Verdict> act(Map.Entry<ServerRecord, CullRules.Decision> entry) {
		ServerRecord record = entry.getKey();
		CullRules.Decision decision = entry.getValue();
		String key = record.user() + "/" + record.name();
		Verdict verdict = new Verdict(record.user(), record.name(), decision.action().name(), decision.reason(),
				this.policy.dryRun() && decision.action() == CullRules.Action.CULL);
		switch (decision.action()) {
			case CULL -> {
				if (this.policy.dryRun()) {
					return this.told.add(key + "#cull")
							? this.events.record(record.user(), record.name(), "cull-dry-run", "Would cull: " + decision.reason()).thenReturn(verdict)
							: Mono.just(verdict);
				}
				log.info("culling user={} server={} reason={}", record.user(), record.name(), decision.reason());
				this.lastBusy.remove(AppCatalog.baseUrl(record.user(), record.name()));
				this.told.removeIf((told) -> told.startsWith(key + "#"));
				return this.servers.stop(record.user(), record.name(), "Culled: " + decision.reason())
					.onErrorResume(ServerException.class, (ex) -> Mono.empty())
					.thenReturn(verdict);
			}
			case WARN -> {
				return this.told.add(key + "#warn")
						? this.events.record(record.user(), record.name(), "walltime-warning", "Save your work: " + decision.reason())
							.thenReturn(verdict)
						: Mono.just(verdict);
			}
			default -> {
				return Mono.just(verdict);
			}
		}
	}

	@Override
	public void start() {
		if (!this.policy.enabled()) {
			log.info("idle culler off");
			return;
		}
		// Each tick runs one sweep; a sweep still running when the next tick comes is not overlapped.
		this.timer = Flux.interval(this.policy.interval(), this.policy.interval())
			.onBackpressureDrop()
			.concatMap((tick) -> sweep(Instant.now()).onErrorResume((ex) -> {
				log.warn("cull sweep failed: {}", ex.toString());
				return Mono.empty();
			}), 1)
			.subscribe(null, (ex) -> log.error("culler stopped", ex));
		log.info("idle culler on: interval={} idleTimeout={} maxAge={} dryRun={}", this.policy.interval(), this.policy.idleTimeout(),
				this.policy.maxAge(), this.policy.dryRun());
	}

	@Override
	public void stop() {
		Disposable current = this.timer;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.timer != null && !this.timer.isDisposed();
	}
}
