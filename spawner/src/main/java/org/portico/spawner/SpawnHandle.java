package org.portico.spawner;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One launched server, from its launch until it is ready (or has failed).
 */
public interface SpawnHandle {

	/** What to persist at once, so that a restart can {@link Spawner#resume resume} or stop it. */
	SpawnState state();

	/**
	 * Progress while the server comes up.
	 * @return replays every event so far to each subscriber; completes when the server is ready or
	 * has failed (it never signals the failure itself: {@link #ready()} does)
	 */
	Flux<SpawnProgress> progress();

	/**
	 * Resolves when the server accepts connections.
	 * @return emits the endpoint once; errors with {@link SpawnException} (reason {@code "exited"},
	 * {@code "timeout"}, ...) when it never will. Subscribing twice does not start anything twice.
	 */
	Mono<ServerEndpoint> ready();
}
