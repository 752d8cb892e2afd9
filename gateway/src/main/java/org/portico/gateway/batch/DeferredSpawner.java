package org.portico.gateway.batch;

import java.time.Duration;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.ServerStatus;
import org.portico.spawner.SpawnHandle;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.SpawnState;
import org.portico.spawner.Spawner;
import org.portico.spawner.StopMode;
import reactor.core.publisher.Mono;

/**
 * A spawner built on first use: a batch spawner needs the callback URL, which may hold the port the gateway's
 * web server got only once it listens. Thread-safe.
 */
final class DeferredSpawner implements Spawner {

	private final String name;

	private final Supplier<Spawner> factory;

	private volatile @Nullable Spawner delegate;

	DeferredSpawner(String name, Supplier<Spawner> factory) {
		this.name = name;
		this.factory = factory;
	}

	private Spawner delegate() {
		Spawner current = this.delegate;
		if (current == null) {
			synchronized (this) {
				current = this.delegate;
				if (current == null) {
					current = this.factory.get();
					this.delegate = current;
				}
			}
		}
		return current;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public Mono<SpawnHandle> start(SpawnRequest request) {
		return Mono.defer(() -> delegate().start(request));
	}

	@Override
	public Mono<SpawnHandle> resume(SpawnState state, SpawnRequest request) {
		return Mono.defer(() -> delegate().resume(state, request));
	}

	@Override
	public Mono<ServerStatus> poll(SpawnState state) {
		return Mono.defer(() -> delegate().poll(state));
	}

	@Override
	public Mono<Void> stop(SpawnState state, StopMode mode) {
		return Mono.defer(() -> delegate().stop(state, mode));
	}

	@Override
	public Mono<Void> extend(SpawnState state, Duration walltime) {
		return Mono.defer(() -> delegate().extend(state, walltime));
	}

	@Override
	public Mono<java.util.List<Integer>> devices(SpawnState state) {
		return Mono.defer(() -> delegate().devices(state));
	}
}
