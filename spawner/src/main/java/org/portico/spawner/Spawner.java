package org.portico.spawner;

import java.time.Duration;

import reactor.core.publisher.Mono;

/**
 * Starts, watches and stops user servers of one kind (local process, batch job, ...).
 *
 * <p>Implementations are stateless and thread-safe: everything they need to find a server again
 * lives in the {@link SpawnState} they return, which the caller persists at once. None of the
 * methods block; blocking work (subprocesses, files) runs on {@code Schedulers.boundedElastic()}.
 */
public interface Spawner {

	/**
	 * A short, stable name for this kind of spawner ({@code "local"}, {@code "slurm"}), stored with
	 * each server so that the right spawner is asked after a restart.
	 */
	String name();

	/**
	 * Submits or launches a server.
	 * @param request what to run, for whom
	 * @return emits one handle as soon as the server has an identity (process id, job id) and
	 * completes; signals {@link SpawnException} if nothing could be launched. The server is usually
	 * not ready yet: follow {@link SpawnHandle#ready()}.
	 */
	Mono<SpawnHandle> start(SpawnRequest request);

	/**
	 * Re-attaches to a server launched earlier, typically by a gateway that has since restarted.
	 * @param state what {@link SpawnHandle#state()} returned at launch
	 * @param request the request the server was launched with (its timeouts apply again)
	 * @return emits a handle whose {@link SpawnHandle#ready()} resolves as for a fresh start (at once
	 * when the server already runs) or fails with {@link SpawnException} when it is gone
	 */
	Mono<SpawnHandle> resume(SpawnState state, SpawnRequest request);

	/**
	 * Asks whether a server still runs, like JupyterHub's {@code Spawner.poll}.
	 * @return emits exactly one status; never errors: a server that is gone is {@link ServerStatus.Gone},
	 * and a failure to find out (a scheduler that does not answer) is {@link ServerStatus.Unknown},
	 * which callers must treat as transient and never as "gone"
	 */
	Mono<ServerStatus> poll(SpawnState state);

	/**
	 * Stops a server and everything it started.
	 * @param mode {@link StopMode#GRACEFUL} asks it to exit and escalates after a grace period;
	 * {@link StopMode#NOW} kills it at once
	 * @return completes once the server is gone (or nothing more can be done); stopping what is
	 * already gone completes normally. Signals {@link SpawnException} only when the stop could not
	 * even be attempted.
	 */
	Mono<Void> stop(SpawnState state, StopMode mode);

	/**
	 * Changes a server's time limit where something outside the gateway enforces one (a batch scheduler
	 * kills a job at its walltime), so that an extension the gateway grants is real.
	 * @param walltime the new time limit in all, counted from the server's start as the limit given at its
	 * start was (not an increment: a repeated call changes nothing more)
	 * @return completes once the new limit is in force; signals {@link SpawnException} (reason
	 * {@code "extend"}) with the scheduler's own words, safe to show the user, when it refuses. The default,
	 * for spawners whose servers have no limit of their own (the local spawner: the gateway's expiry is the
	 * only one), completes at once. Does not block.
	 */
	default Mono<Void> extend(SpawnState state, Duration walltime) {
		return Mono.empty();
	}

	/**
	 * The GPU devices (indexes on the server's node) that something outside the gateway bound the running
	 * server to: a batch scheduler that picks the device of a GPU share itself (Slurm's shards).
	 * @return emits the indexes, in order; empty when the spawner does not know, the server holds no GPU or
	 * the scheduler does not answer (never an error: the caller keeps what it had). The default, for
	 * spawners that never pick a device themselves, emits an empty list at once. Does not block.
	 */
	default Mono<java.util.List<Integer>> devices(SpawnState state) {
		return Mono.just(java.util.List.of());
	}
}
