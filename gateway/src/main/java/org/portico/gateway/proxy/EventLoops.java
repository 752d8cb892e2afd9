package org.portico.gateway.proxy;

import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.IntSupplier;
import io.netty.util.concurrent.DefaultThreadFactory;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * The gateway's event loops, for its server and its upstream clients alike (a WebSocket's two
 * channels and a request's two connections share one loop): Reactor Netty's kind (epoll where the
 * native transport loads, else NIO; one loop per CPU, see {@code PorticoApplication}), with one
 * change: a loop that has run out of work polls for new events a little while before it sleeps.
 *
 * <p>Under load the next event is often microseconds away. A loop that sleeps in
 * {@code epoll_wait} between events pays a context switch for each, and makes whoever wakes it pay
 * for the wake-up: measured on one CPU with 100 WebSockets in closed-loop echo, the loop slept about
 * 17,000 times a second, ten times as often as configurable-http-proxy's, whose slower event loop
 * rarely runs dry. At one connection the same holds between a request and its response: with the
 * poll, small GETs through a gateway on one CPU went from about 5,900 to 14,800 a second. The poll is
 * adaptive ({@link SpinThenSleep}): it lasts up to the setting while the loop's waits are that short
 * and shrinks to nothing when they are longer, so an idle or lightly loaded gateway sleeps as Netty's
 * own loops do. {@code portico.proxy.loop-spin=0} turns it off.
 */
final class EventLoops implements LoopResources {

	private final EventLoopGroup group;

	private final EventLoopGroup colocated;

	EventLoops(int threads, Duration spin) {
		long spinNanos = spin.toNanos(); // checked by the configuration: 0 to 1 ms
		SelectStrategyFactory strategies = () -> new SpinThenSleep(spinNanos);
		ThreadFactory threads0 = new DefaultThreadFactory("portico-io", true);
		if (Epoll.isAvailable()) {
			this.group = new EpollEventLoopGroup(threads, threads0, strategies);
		}
		else {
			this.group = new NioEventLoopGroup(threads, threads0, SelectorProvider.provider(), strategies);
		}
		// a client connection opened from a loop stays on that loop, as with Reactor's default loops
		this.colocated = LoopResources.colocate(this.group);
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		return this.group;
	}

	@Override
	public EventLoopGroup onClient(boolean useNative) {
		return this.colocated;
	}

	@Override
	public boolean daemon() {
		return true;
	}

	@Override
	public boolean isDisposed() {
		return this.group.isShuttingDown();
	}

	@Override
	public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
		// shutdownGracefully returns the group's termination future
		return Mono.create((sink) -> this.group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), TimeUnit.MILLISECONDS)
			.addListener((terminated) -> sink.success()));
	}

	/**
	 * Before a loop sleeps, polls for ready events for up to a budget, and returns the events it finds
	 * as the loop's next batch. The budget follows how long the loop's waits turn out to be (as Linux's
	 * haltpoll governor does for idle CPUs): a wait that ended within {@code maxNanos} (found by the
	 * poll, or a sleep that short) sets it to {@code maxNanos}; a sleep longer than
	 * {@value #LONG_WAITS}× that, or {@value #MISSES_BEFORE_SHRINK} polls in a row that found nothing,
	 * halve it, and under {@value #MIN_NANOS} ns it is 0: the loop then sleeps at once, as Netty's own
	 * loops do, until a short wait sets the budget again. Touched only by its own loop's thread.
	 */
	static final class SpinThenSleep implements SelectStrategy {

		static final long MIN_NANOS = 1_000;

		static final int LONG_WAITS = 4;

		static final int MISSES_BEFORE_SHRINK = 8;

		private final long maxNanos;

		private final LongSupplier clock;

		private long budget;

		private int misses;

		/** Whether the loop went to sleep at the end of its last turn, and when ({@link #clock}). */
		private boolean asleep;

		private long sleptAt;

		SpinThenSleep(long maxNanos) {
			this(maxNanos, System::nanoTime);
		}

		SpinThenSleep(long maxNanos, LongSupplier clock) {
			this.maxNanos = maxNanos;
			this.clock = clock;
			this.budget = maxNanos;
		}

		@Override
		public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
			if (this.maxNanos < MIN_NANOS) {
				return hasTasks ? selectNow.get() : SELECT; // as Netty's default
			}
			long now = this.clock.getAsLong();
			if (this.asleep) {
				this.asleep = false;
				waited(now - this.sleptAt);
			}
			if (hasTasks) {
				return selectNow.get(); // tasks wait for no poll
			}
			if (this.budget > 0) {
				long deadline = now + this.budget;
				do {
					int ready = selectNow.get();
					if (ready > 0) {
						this.misses = 0;
						return ready;
					}
					Thread.onSpinWait();
				}
				while (this.clock.getAsLong() - deadline < 0);
				if (++this.misses >= MISSES_BEFORE_SHRINK) {
					this.misses = 0;
					shrink();
				}
			}
			this.asleep = true;
			this.sleptAt = this.clock.getAsLong();
			return SELECT;
		}

		/** A sleep ended after {@code nanos} (an upper bound: it includes the work on what woke the loop). */
		private void waited(long nanos) {
			if (nanos <= this.maxNanos) {
				this.budget = this.maxNanos; // a poll that long would have found it
				this.misses = 0;
			}
			else if (nanos > LONG_WAITS * this.maxNanos) {
				shrink();
			}
		}

		private void shrink() {
			this.budget /= 2;
			if (this.budget < MIN_NANOS) {
				this.budget = 0;
			}
		}

		/** The current budget in nanoseconds (for tests). */
		long budget() {
			return this.budget;
		}
	}
}
