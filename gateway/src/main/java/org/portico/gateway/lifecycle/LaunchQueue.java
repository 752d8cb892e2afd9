package org.portico.gateway.lifecycle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;

/**
 * The launches of a spawn burst, taken in turn: at most {@code limit} spawner starts (a process forked, a job
 * submitted) run at once, the rest wait in order of arrival and are told how many are ahead of them. A class that
 * starts together is answered at once and launched as fast as the host and the scheduler take it, rather than
 * answered 429 (JupyterHub's concurrent-spawn limit) or left to a hundred forks and {@code sbatch} calls at once
 * that starve the threads answering the requests. A launch that is cancelled while waiting leaves the line;
 * one that ends, however it ends, lets the next one go. Thread-safe; the lock guards only the line, never a launch.
 */
final class LaunchQueue {

	/** Told of a waiting launch's place: {@code ahead} launches before it, {@code waiting} in line in all. */
	@FunctionalInterface
	interface Place {

		void at(int ahead, int waiting);

	}

	private final int limit;

	private final ArrayDeque<Waiting> line = new ArrayDeque<>();

	private int running; // guarded by this

	LaunchQueue(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("at least one launch must be able to run, got " + limit);
		}
		this.limit = limit;
	}

	/**
	 * {@code launch}, run once its turn comes; {@code place} hears its position while it waits (not at all when it
	 * can run at once).
	 */
	<T> Mono<T> submit(Mono<T> launch, Place place) {
		return Mono.defer(() -> {
			Waiting waiting = new Waiting(place);
			boolean now;
			int ahead;
			synchronized (this) {
				now = this.running < this.limit && this.line.isEmpty();
				if (now) {
					this.running++;
					waiting.decided.set(true);
				}
				else {
					this.line.addLast(waiting);
				}
				ahead = this.line.size() - 1;
			}
			Mono<T> run = launch.doFinally((signal) -> waiting.release());
			if (now) {
				return run;
			}
			place.at(ahead, ahead + 1);
			// after the cancel went up (doFinally, not doOnCancel): a launch under way is cancelled before the next starts
			return waiting.turn.asMono().then(run).doFinally((signal) -> {
				if (signal == SignalType.CANCEL) {
					leave(waiting);
				}
			});
		});
	}

	/** How many launches run now and how many wait. */
	synchronized Load load() {
		return new Load(this.running, this.line.size());
	}

	record Load(int running, int waiting) {
	}

	private void leave(Waiting waiting) {
		if (waiting.decided.compareAndSet(false, true)) {
			synchronized (this) {
				this.line.remove(waiting);
			}
			tellPlaces();
		}
		else {
			// its turn had come: the slot is passed on, once, whether or not the launch got under way
			waiting.release();
		}
	}

	private void done() {
		Waiting next;
		while (true) {
			synchronized (this) {
				next = this.line.pollFirst();
				if (next == null) {
					this.running--;
					return;
				}
			}
			// a launch cancelled while it waited is passed over; the slot stays taken for the next one
			if (next.decided.compareAndSet(false, true)) {
				break;
			}
		}
		grant(next);
		tellPlaces();
	}

	/*
	 * A launch that ends at once (a refused fork, a stop that came first) gives its slot back while its turn is being
	 * granted; the next turns are then granted in a loop on this thread rather than one inside the other, so that a
	 * long line cannot grow the stack.
	 */
	private static final ThreadLocal<ArrayDeque<Waiting>> GRANTING = new ThreadLocal<>();

	private static void grant(Waiting next) {
		ArrayDeque<Waiting> pending = GRANTING.get();
		if (pending != null) {
			pending.addLast(next);
			return;
		}
		pending = new ArrayDeque<>();
		GRANTING.set(pending);
		try {
			for (Waiting turn = next; turn != null; turn = pending.pollFirst()) {
				turn.turn.tryEmitEmpty();
			}
		}
		finally {
			GRANTING.remove();
		}
	}

	/** Every waiting launch hears its new place; outside the lock, so a slow listener holds up no launch. */
	private void tellPlaces() {
		List<Waiting> snapshot;
		synchronized (this) {
			snapshot = new ArrayList<>(this.line);
		}
		for (int i = 0; i < snapshot.size(); i++) {
			snapshot.get(i).place.at(i, snapshot.size());
		}
	}

	/** One launch's place in line and its slot, which it gives back exactly once. */
	private final class Waiting {

		final Place place;

		final Sinks.Empty<Void> turn = Sinks.empty();

		/** Set once: granted a slot, or left the line. */
		final AtomicBoolean decided = new AtomicBoolean();

		private final AtomicBoolean released = new AtomicBoolean();

		Waiting(Place place) {
			this.place = place;
		}

		void release() {
			if (this.released.compareAndSet(false, true)) {
				done();
			}
		}

	}

}
