package org.portico.gateway.proxy;

import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

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
 * rarely runs dry. The poll is adaptive ({@link SpinThenSleep}): it lengthens while it finds events
 * and shrinks to nothing when it does not, so an idle or lightly loaded gateway sleeps as before and
 * pays for the poll at most once per {@value SpinThenSleep#PROBE_EVERY} sleeps.
 * {@code portico.proxy.loop-spin=0} turns it off.
 */
final class EventLoops implements LoopResources {

	private final EventLoopGroup group;

	private final EventLoopGroup colocated;

	EventLoops(int threads, Duration spin) {
		long spinNanos = Math.max(0, spin.toNanos());
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
		return Mono.defer(() -> {
			this.group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
			return Mono.fromFuture(() -> {
				java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
				this.group.terminationFuture().addListener((future) -> done.complete(null));
				return done;
			});
		});
	}

	/**
	 * Before a loop sleeps, polls for ready events for up to {@code spin}, and returns the events it
	 * finds as the loop's next batch. The budget doubles each time the poll finds something and halves
	 * each time it does not; once it falls under {@value #MIN_NANOS} ns the loop sleeps straight away
	 * for the next {@value #PROBE_EVERY} times and then tries the smallest budget again. Touched only by
	 * its own loop's thread.
	 */
	static final class SpinThenSleep implements SelectStrategy {

		static final long MIN_NANOS = 1_000;

		static final int PROBE_EVERY = 64;

		private final long maxNanos;

		private long budget;

		private int sleepsBeforeProbe;

		SpinThenSleep(long maxNanos) {
			this.maxNanos = maxNanos;
			this.budget = maxNanos;
		}

		@Override
		public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
			if (hasTasks) {
				return selectNow.get(); // as Netty's default: tasks wait for no sleep
			}
			if (this.maxNanos < MIN_NANOS) {
				return SELECT;
			}
			if (this.budget == 0) {
				if (--this.sleepsBeforeProbe > 0) {
					return SELECT;
				}
				this.budget = MIN_NANOS;
			}
			long deadline = System.nanoTime() + this.budget;
			do {
				int ready = selectNow.get();
				if (ready > 0) {
					this.budget = Math.min(this.maxNanos, this.budget * 2);
					return ready;
				}
				Thread.onSpinWait();
			}
			while (System.nanoTime() - deadline < 0);
			this.budget /= 2;
			if (this.budget < MIN_NANOS) {
				this.budget = 0;
				this.sleepsBeforeProbe = PROBE_EVERY;
			}
			return SELECT;
		}

		/** The current budget in nanoseconds (for tests). */
		long budget() {
			return this.budget;
		}
	}
}
