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

	@Test
	void eventsFoundWhileSpinningAreTheNextBatchAndKeepTheBudget() throws Exception {
		EventLoops.SpinThenSleep strategy = new EventLoops.SpinThenSleep(MAX);
		AtomicInteger polls = new AtomicInteger();
		// nothing on the first two polls, then three connections ready
		int result = strategy.calculateStrategy(() -> (polls.incrementAndGet() < 3) ? 0 : 3, false);
		assertThat(result).isEqualTo(3);
		assertThat(polls).hasValue(3);
		assertThat(strategy.budget()).isEqualTo(MAX);
	}

	@Test
	void aSpinThatFindsNothingHalvesUntilTheLoopSleepsAtOnce() throws Exception {
		EventLoops.SpinThenSleep strategy = new EventLoops.SpinThenSleep(MAX);
		AtomicInteger polls = new AtomicInteger();
		long budget = MAX;
		while (budget >= EventLoops.SpinThenSleep.MIN_NANOS) {
			assertThat(strategy.calculateStrategy(() -> {
				polls.incrementAndGet();
				return 0;
			}, false)).isEqualTo(SelectStrategy.SELECT);
			budget /= 2;
			assertThat(strategy.budget()).isEqualTo((budget < EventLoops.SpinThenSleep.MIN_NANOS) ? 0 : budget);
		}
		// spinning does not pay: the next sleeps poll nothing
		polls.set(0);
		for (int i = 1; i < EventLoops.SpinThenSleep.PROBE_EVERY; i++) {
			assertThat(strategy.calculateStrategy(polls::incrementAndGet, false)).isEqualTo(SelectStrategy.SELECT);
		}
		assertThat(polls).as("no poll while backed off").hasValue(0);
		// then a probe with the smallest budget, which finds an event and grows again
		assertThat(strategy.calculateStrategy(() -> 1, false)).isEqualTo(1);
		assertThat(strategy.budget()).isEqualTo(2 * EventLoops.SpinThenSleep.MIN_NANOS);
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
		EventLoops loops = new EventLoops(1, Duration.ofNanos(MAX));
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
			assertThat(loops.onClient(true)).as("client connections stay on the caller's loop").isNotSameAs(group);
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
			.withMessage("portico.proxy.loop-spin must be between 0 and 1ms, not 5000us");
		assertThatIllegalStateException().isThrownBy(() -> configuration.eventLoops(new MockEnvironment().withProperty("portico.proxy.loop-spin", "-1us")))
			.withMessageContaining("between 0 and 1ms");
		for (String value : new String[] { "0", "20us", "1ms" }) {
			EventLoops loops = configuration.eventLoops(new MockEnvironment().withProperty("portico.proxy.loop-spin", value));
			loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
		}
	}
}
