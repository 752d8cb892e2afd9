package org.portico.gateway.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LaunchQueueTests {

	@Test
	void launchesBeyondTheLimitWaitInOrderAndHearTheirPlace() {
		LaunchQueue queue = new LaunchQueue(2);
		List<Sinks.One<String>> launches = new ArrayList<>();
		List<List<String>> places = new ArrayList<>();
		List<String> results = new CopyOnWriteArrayList<>();
		for (int i = 0; i < 5; i++) {
			Sinks.One<String> launch = Sinks.one();
			launches.add(launch);
			List<String> heard = new CopyOnWriteArrayList<>();
			places.add(heard);
			AtomicInteger subscribed = new AtomicInteger();
			queue.submit(launch.asMono().doOnSubscribe((s) -> subscribed.incrementAndGet()), (ahead, waiting) -> heard.add(ahead + "/" + waiting))
				.subscribe(results::add);
		}
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(2, 3));
		assertThat(places.get(0)).isEmpty();
		assertThat(places.get(1)).isEmpty();
		assertThat(places.get(2)).containsExactly("0/1");
		assertThat(places.get(4)).containsExactly("2/3");

		launches.get(1).tryEmitValue("b"); // the second ends first: the third goes, the rest move up
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(2, 2));
		assertThat(places.get(3)).containsExactly("1/2", "0/2");
		assertThat(places.get(4)).containsExactly("2/3", "1/2");

		launches.get(0).tryEmitError(new IllegalStateException("the fork failed")); // a failure frees its slot too
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(2, 1));
		launches.get(2).tryEmitValue("c");
		launches.get(3).tryEmitValue("d");
		launches.get(4).tryEmitValue("e");
		assertThat(results).containsExactly("b", "c", "d", "e");
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(0, 0));
	}

	@Test
	void aLaunchCancelledWhileWaitingNeverRunsAndLeavesTheLine() {
		LaunchQueue queue = new LaunchQueue(1);
		Sinks.One<String> first = Sinks.one();
		queue.submit(first.asMono(), (a, w) -> {
		}).subscribe();
		AtomicInteger ran = new AtomicInteger();
		List<String> heardByThird = new CopyOnWriteArrayList<>();
		Disposable second = queue.submit(Mono.fromCallable(() -> ran.incrementAndGet()), (a, w) -> {
		}).subscribe();
		List<Integer> third = new CopyOnWriteArrayList<>();
		queue.submit(Mono.fromCallable(() -> 3), (a, w) -> heardByThird.add(a + "/" + w)).subscribe(third::add);
		second.dispose();
		assertThat(heardByThird).containsExactly("1/2", "0/1");
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(1, 1));
		first.tryEmitValue("a");
		assertThat(ran).hasValue(0);
		assertThat(third).containsExactly(3);
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(0, 0));
	}

	@Test
	void aRunningLaunchThatIsCancelledGivesItsSlotBackOnce() {
		LaunchQueue queue = new LaunchQueue(1);
		Disposable running = queue.submit(Mono.never(), (a, w) -> {
		}).subscribe();
		List<Integer> next = new CopyOnWriteArrayList<>();
		queue.submit(Mono.just(2), (a, w) -> {
		}).subscribe(next::add);
		running.dispose();
		running.dispose();
		assertThat(next).containsExactly(2);
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(0, 0));
	}

	@Test
	void aLongLineOfLaunchesThatEndAtOnceDoesNotGrowTheStack() {
		LaunchQueue queue = new LaunchQueue(1);
		Sinks.One<Integer> first = Sinks.one();
		AtomicInteger completed = new AtomicInteger();
		queue.submit(first.asMono(), (a, w) -> {
		}).subscribe();
		for (int i = 0; i < 50_000; i++) {
			queue.submit(Mono.just(i), (a, w) -> {
			}).subscribe((v) -> completed.incrementAndGet());
		}
		first.tryEmitValue(-1);
		assertThat(completed).hasValue(50_000);
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(0, 0));
	}

	@Test
	void refusesALimitBelowOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> new LaunchQueue(0));
	}

	/**
	 * Many threads submit launches of random length, cancel some while they wait or run: never more than the
	 * limit run at once, every launch not cancelled runs exactly once, and the queue ends empty with no slot lost.
	 */
	@RepeatedTest(5)
	void underConcurrentSubmitsAndCancelsTheLimitHoldsAndNoSlotIsLost() throws Exception {
		int limit = 3;
		LaunchQueue queue = new LaunchQueue(limit);
		AtomicInteger now = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		AtomicInteger completed = new AtomicInteger();
		ConcurrentLinkedQueue<Disposable> cancellable = new ConcurrentLinkedQueue<>();
		Random random = new Random();
		int launches = 400;
		Flux.range(0, launches).parallel(8).runOn(Schedulers.parallel()).doOnNext((i) -> {
			long micros = random.nextInt(300);
			// counted out before it emits (or when cancelled), since the queue starts the next one as it completes
			Mono<Integer> launch = Mono.fromRunnable(() -> most.accumulateAndGet(now.incrementAndGet(), Math::max))
				.then(Mono.delay(Duration.ofNanos(micros * 1000)))
				.doOnCancel(now::decrementAndGet)
				.map((tick) -> {
					now.decrementAndGet();
					return i;
				});
			Disposable subscription = queue.submit(launch, (a, w) -> {
			}).subscribe((v) -> completed.incrementAndGet());
			if (i % 7 == 0) {
				cancellable.add(subscription);
			}
		}).sequential().blockLast(Duration.ofSeconds(10));
		for (Disposable subscription : cancellable) {
			subscription.dispose();
		}
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (!queue.load().equals(new LaunchQueue.Load(0, 0)) && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(queue.load()).isEqualTo(new LaunchQueue.Load(0, 0));
		assertThat(most.get()).isLessThanOrEqualTo(limit);
		assertThat(completed.get()).isBetween(launches - cancellable.size(), launches);
	}

}
