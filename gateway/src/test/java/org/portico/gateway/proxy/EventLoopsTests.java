package org.portico.gateway.proxy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class EventLoopsTests {

	private static final long MAX = TimeUnit.MICROSECONDS.toNanos(50);

	/** A clock that moves on by a microsecond each time it is read, and by more when told. */
	static final class Clock implements java.util.function.LongSupplier {

		long now = 1_000_000;

		@Override
		public long getAsLong() {
			return this.now += 1_000;
		}
	}

	@Test
	void eventsFoundWhilePollingAreTheNextBatchAndKeepTheBudget() throws Exception {
		EventLoops.SpinThenSleep strategy = new EventLoops.SpinThenSleep(MAX, new Clock());
		AtomicInteger polls = new AtomicInteger();
		// nothing on the first two polls, then three connections ready
		int result = strategy.calculateStrategy(() -> (polls.incrementAndGet() < 3) ? 0 : 3, false);
		assertThat(result).isEqualTo(3);
		assertThat(polls).hasValue(3);
		assertThat(strategy.budget()).isEqualTo(MAX);
	}

	@Test
	void longWaitsHalveTheBudgetToNothingAndAShortOneRestoresIt() throws Exception {
		Clock clock = new Clock();
		EventLoops.SpinThenSleep strategy = new EventLoops.SpinThenSleep(MAX, clock);
		long budget = MAX;
		while (budget > 0) {
			assertThat(strategy.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
			clock.now += 10 * MAX; // the loop slept ten times the longest poll
			budget = (budget / 2 < EventLoops.SpinThenSleep.MIN_NANOS) ? 0 : budget / 2;
			assertThat(strategy.calculateStrategy(() -> 1, true)).isEqualTo(1);
			assertThat(strategy.budget()).isEqualTo(budget);
		}
		// no budget: the loop sleeps without polling
		AtomicInteger polls = new AtomicInteger();
		assertThat(strategy.calculateStrategy(polls::incrementAndGet, false)).isEqualTo(SelectStrategy.SELECT);
		assertThat(polls).hasValue(0);
		// that sleep was short (an event came 20 us later): a poll would have found it
		clock.now += MAX / 3;
		assertThat(strategy.calculateStrategy(() -> 2, false)).isEqualTo(2);
		assertThat(strategy.budget()).isEqualTo(MAX);
	}

	@Test
	void waitsJustLongerThanThePollKeepItUntilItMissesEightTimesInARow() throws Exception {
		Clock clock = new Clock();
		EventLoops.SpinThenSleep strategy = new EventLoops.SpinThenSleep(MAX, clock);
		for (int i = 1; i < EventLoops.SpinThenSleep.MISSES_BEFORE_SHRINK; i++) {
			assertThat(strategy.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
			clock.now += 2 * MAX; // longer than the poll, shorter than a long wait
			assertThat(strategy.budget()).isEqualTo(MAX);
		}
		assertThat(strategy.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
		assertThat(strategy.budget()).as("eighth miss in a row").isEqualTo(MAX / 2);
	}

	@Test
	void pendingTasksNeverWaitForASpin() throws Exception {
		EventLoops.SpinThenSleep strategy = new EventLoops.SpinThenSleep(MAX);
		AtomicInteger polls = new AtomicInteger();
		assertThat(strategy.calculateStrategy(() -> {
			polls.incrementAndGet();
			return 0;
		}, true)).isZero();
		assertThat(polls).hasValue(1);
		assertThat(strategy.budget()).isEqualTo(MAX);
	}

	@Test
	void noSpinConfiguredSleepsAsNettyDoes() throws Exception {
		EventLoops.SpinThenSleep strategy = new EventLoops.SpinThenSleep(0);
		AtomicInteger polls = new AtomicInteger();
		assertThat(strategy.calculateStrategy(polls::incrementAndGet, false)).isEqualTo(SelectStrategy.SELECT);
		assertThat(polls).hasValue(0);
	}

	@Test
	void realLoopsRunTasksAndTimersAndShutDown() throws Exception {
		EventLoops loops = new EventLoops(2, Duration.ofNanos(MAX));
		EventLoopGroup group = loops.onServer(true);
		try {
			if (Epoll.isAvailable()) {
				assertThat(group).isInstanceOf(EpollEventLoopGroup.class);
			}
			CompletableFuture<String> thread = new CompletableFuture<>();
			group.execute(() -> thread.complete(Thread.currentThread().getName()));
			assertThat(thread.get(10, TimeUnit.SECONDS)).startsWith("portico-io");
			// a loop that just ran a task spins, and a timer due meanwhile still runs
			long start = System.nanoTime();
			CompletableFuture<Long> fired = new CompletableFuture<>();
			group.schedule(() -> fired.complete(System.nanoTime()), 5, TimeUnit.MILLISECONDS);
			assertThat(TimeUnit.NANOSECONDS.toMillis(fired.get(10, TimeUnit.SECONDS) - start)).isGreaterThanOrEqualTo(4);
			// a client connection opened from a loop is registered on that same loop
			EventLoopGroup clients = loops.onClient(true);
			for (io.netty.util.concurrent.EventExecutor loop : group) {
				assertThat(loop.submit(() -> clients.next()).get(10, TimeUnit.SECONDS)).isSameAs(loop);
			}
		}
		finally {
			loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
		}
		assertThat(loops.isDisposed()).isTrue();
		assertThat(group.isTerminated()).isTrue();
	}

	@Test
	void theSpinSettingIsCheckedAtStartUp() {
		ProxyDispatchConfiguration configuration = new ProxyDispatchConfiguration();
		assertThatIllegalStateException().isThrownBy(() -> configuration.eventLoops(new MockEnvironment().withProperty("portico.proxy.loop-spin", "fast")))
			.withMessage("portico.proxy.loop-spin must be a duration such as 50us or 0, not 'fast'");
		assertThatIllegalStateException().isThrownBy(() -> configuration.eventLoops(new MockEnvironment().withProperty("portico.proxy.loop-spin", "5ms")))
			.withMessage("portico.proxy.loop-spin must be between 0 and 1ms, not '5ms'");
		assertThatIllegalStateException().isThrownBy(() -> configuration.eventLoops(new MockEnvironment().withProperty("portico.proxy.loop-spin", "-1us")))
			.withMessage("portico.proxy.loop-spin must be between 0 and 1ms, not '-1us'");
		for (String value : new String[] { "0", "20us", "1ms" }) {
			EventLoops loops = configuration.eventLoops(new MockEnvironment().withProperty("portico.proxy.loop-spin", value));
			loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
		}
	}
}
