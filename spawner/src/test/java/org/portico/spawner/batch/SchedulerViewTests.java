package org.portico.spawner.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.FakeCommandRunner;
import org.portico.spawner.slurm.SlurmScheduler;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portico.spawner.exec.FakeCommandRunner.program;

/** The shared view on virtual time: one query per interval for all jobs; failures are UNKNOWN, never GONE. */
class SchedulerViewTests {

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

	private final FakeCommandRunner runner = new FakeCommandRunner();

	private final AtomicReference<CommandResult> squeue = new AtomicReference<>(TestJobs.ok("slurm/squeue-all.txt"));

	private final SchedulerView view = new SchedulerView(SlurmScheduler.defaults(), this.runner,
			new SchedulerView.Settings(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(2),
					"portico-", Duration.ofSeconds(1)),
			this.time, () -> 500L);

	SchedulerViewTests() {
		this.runner.answer(program("squeue"), (call) -> Mono.just(this.squeue.get()), false);
	}

	@AfterEach
	void close() {
		this.view.close();
		this.time.dispose();
	}

	@Test
	void runsOneQueryPerIntervalWhateverTheNumberOfJobsWatched() {
		// @formatter:off
		StepVerifier.withVirtualTime(() -> {
				this.view.start();
				return this.view.snapshots().skip(1).take(6);
			}, () -> this.time, Long.MAX_VALUE)
			.then(() -> {
				for (String job : new String[] { "9", "11", "13", "14", "15" }) {
					this.view.watch(job, Instant.EPOCH).subscribe();
				}
			})
			.thenAwait(Duration.ofSeconds(55))
			.expectNextCount(6)
			.verifyComplete();
		// @formatter:on
		// ticks at 0, 10, ... 50 s, each delayed by the 500 ms jitter: six queries in 55 s, however many watchers
		assertThat(this.runner.calls(program("squeue"))).hasSize(6);
		assertThat(this.runner.calls()).allSatisfy((c) -> assertThat(c.argv()).startsWith("squeue", "-h", "-t", "all", "-O"));
	}

	@Test
	void aFailedOrLateQueryMakesJobsUnknownAndKeepsTheLastGoodSnapshot() {
		this.view.start();
		this.time.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(this.view.status("9", Instant.EPOCH).state()).isEqualTo(JobState.RUNNING);

		this.squeue.set(CommandResult.of(1, "", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)"));
		this.time.advanceTimeBy(Duration.ofSeconds(10));
		JobStatus failed = this.view.status("9", Instant.EPOCH);
		assertThat(failed.state()).isEqualTo(JobState.UNKNOWN);
		assertThat(failed.reason()).contains("Unable to contact slurm controller");
		assertThat(this.view.status("424242", Instant.EPOCH).state()).isEqualTo(JobState.UNKNOWN);
		assertThat(this.view.current().lastKnown("9")).hasValueSatisfying((j) -> assertThat(j.node()).isEqualTo("localhost"));

		this.runner.clearRules().answer(program("squeue"), (call) -> Mono.never(), false);
		this.time.advanceTimeBy(Duration.ofSeconds(10));
		assertThat(this.view.current().ok()).isFalse();
		this.time.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(this.view.current().error()).contains("no answer within 5000 ms");
		assertThat(this.view.status("9", Instant.EPOCH).state()).isEqualTo(JobState.UNKNOWN);
		assertThat(this.view.current().lastKnown("9")).isPresent();

		this.runner.clearRules().on(program("squeue"), CommandResult.of(0, "garbage without bars\n", ""));
		this.time.advanceTimeBy(Duration.ofSeconds(10));
		assertThat(this.view.status("9", Instant.EPOCH).state()).isEqualTo(JobState.UNKNOWN);

		this.runner.clearRules().on(program("squeue"), CommandResult.of(0, "", "")); // a real, empty listing
		this.time.advanceTimeBy(Duration.ofSeconds(10));
		assertThat(this.view.status("9", Instant.EPOCH).state()).isEqualTo(JobState.GONE);
	}

	@Test
	void aJobIsGoneOnlyWhenAQueryThatBeganAfterItsSubmissionMissesIt() {
		this.view.start();
		this.time.advanceTimeBy(Duration.ofSeconds(5));
		Instant submitted = this.view.now(); // after the first query at 0.5 s
		assertThat(this.view.status("777", submitted).state()).isEqualTo(JobState.UNKNOWN);
		this.time.advanceTimeBy(Duration.ofSeconds(10)); // query at 10.5 s does not list 777
		assertThat(this.view.status("777", submitted).state()).isEqualTo(JobState.GONE);
	}

	@Test
	void keepsPorticoJobsWithTheirPlaceAmongAllPendingJobsOfTheirPartition() {
		this.view.start();
		this.time.advanceTimeBy(Duration.ofSeconds(1));
		// squeue-all.txt: batch holds bob's 10 (highest priority), alice's 11, bob's 12
		assertThat(this.view.current().jobs()).containsOnlyKeys("9", "11", "13", "14");
		JobStatus queued = this.view.status("11", Instant.EPOCH);
		assertThat(queued.state()).isEqualTo(JobState.PENDING);
		assertThat(queued.queuePosition()).isEqualTo(2);
		assertThat(queued.queueLength()).isEqualTo(3);
		assertThat(queued.reason()).isEqualTo("Priority");
	}

	@Test
	void earlyRefreshesAreCoalescedAndRateLimited() {
		this.view.start();
		this.time.advanceTimeBy(Duration.ofSeconds(1)); // query 1 at 0.5 s
		for (int i = 0; i < 5; i++) {
			this.view.refreshSoon(); // within 2 s of the last query: ignored
		}
		this.time.advanceTimeBy(Duration.ofSeconds(2)); // t = 3 s
		this.view.refreshSoon();
		this.view.refreshSoon();
		assertThat(this.runner.calls(program("squeue"))).hasSize(2);
	}

	@Test
	void asksAccountingOnceForAVanishedJob() {
		this.runner.on(program("sacct"), TestJobs.ok("slurm/sacct-ended.stdout"));
		JobStatus first = this.view.endedStatus("20").block(Duration.ofSeconds(5));
		JobStatus again = this.view.endedStatus("20").block(Duration.ofSeconds(5));
		assertThat(first.state()).isEqualTo(JobState.FAILED);
		assertThat(first.exitCode()).isEqualTo(3);
		assertThat(again).isEqualTo(first);
		assertThat(this.runner.calls(program("sacct"))).hasSize(1);
	}

	@Test
	void withoutAccountingAVanishedJobIsGone() {
		this.runner.on(program("sacct"), CommandResult.of(1, "", TestJobs.resource("slurm/sacct-disabled.stderr")));
		assertThat(this.view.endedStatus("13").block(Duration.ofSeconds(5)).state()).isEqualTo(JobState.GONE);
	}
}
