package org.portico.spawner.batch;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portico.spawner.SpawnException;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.LocalCommandRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link BatchScheduler} must do, micrometer-style: each adapter's test extends this kit and
 * supplies captured real outputs of its scheduler.
 */
public abstract class BatchSchedulerCompatibilityKit {

	/** The adapter under test. */
	protected abstract BatchScheduler scheduler();

	/** A real, successful {@link BatchScheduler#queryAll()} output listing several jobs. */
	protected abstract CommandResult queryAllOutput();

	/** A real, successful submit output, and the id it means. */
	protected abstract CommandResult submitAccepted();

	protected abstract String submittedId();

	/** A real refusal of a submission, and a phrase of the scheduler's message in it. */
	protected abstract CommandResult submitRefused();

	protected abstract String refusalPhrase();

	@Test
	void hasANameAndATemplateThatRendersToValidBash() {
		assertThat(scheduler().name()).matches("[a-z]+");
		String script = JobScriptRenderer.classpathOnly().render(scheduler(), TestJobs.spec(), null).script();
		CommandResult syntax = LocalCommandRunner.defaults()
			.run(new CommandLine(List.of("bash", "-n", "-c", script), Map.of(), Duration.ofSeconds(10)))
			.block(Duration.ofSeconds(20));
		assertThat(syntax.exitCode()).as(syntax.stderr()).isZero();
	}

	@Test
	void submitIsAnArgumentListThatTakesTheScriptOnStdin() {
		CommandLine submit = scheduler().submit(TestJobs.spec());
		assertThat(submit.argv()).isNotEmpty().anyMatch((arg) -> arg.endsWith("portico-alice-lab"));
		assertThat(submit.argv()).noneMatch((arg) -> arg.contains("\n") || arg.endsWith(".sh"));
		assertThat(String.join(" ", submit.argv())).doesNotContain(TestJobs.SECRET).doesNotContain("tok-123456");
		assertThat(submit.timeout()).isPositive();
	}

	@Test
	void aTimeLimitChangeIsAnArgumentListForOneWellFormedJobWithinRange() {
		String id = submittedId();
		List<String> submitted = scheduler().submittedResources(TestJobs.spec());
		scheduler().timeLimit(id, Duration.ofHours(2), submitted).ifPresent((command) -> {
			assertThat(command.argv()).anyMatch((arg) -> arg.equals(id) || arg.endsWith("=" + id))
				.noneMatch((arg) -> arg.contains("\n") || arg.contains(" "));
			assertThat(command.timeout()).isPositive();
			assertThatThrownBy(() -> scheduler().timeLimit("1;id", Duration.ofHours(2), submitted))
				.isInstanceOf(IllegalArgumentException.class);
			assertThatThrownBy(() -> scheduler().timeLimit(id, Duration.ZERO, submitted)).isInstanceOf(IllegalArgumentException.class);
			assertThatThrownBy(() -> scheduler().timeLimit(id, JobSpec.MAX_WALLTIME.plusSeconds(1), submitted))
				.isInstanceOf(IllegalArgumentException.class);
		});
	}

	@Test
	void readsTheJobIdOfAnAcceptedSubmission() {
		assertThat(scheduler().parseJobId(submitAccepted())).isEqualTo(submittedId());
	}

	@Test
	void refusalsCarryTheSchedulersOwnWords() {
		assertThatThrownBy(() -> scheduler().parseJobId(submitRefused())).isInstanceOf(SpawnException.class)
			.satisfies((ex) -> {
				assertThat(((SpawnException) ex).reason()).isEqualTo("submit");
				assertThat(((SpawnException) ex).userMessage()).contains(refusalPhrase());
			});
		assertThatThrownBy(() -> scheduler().parseJobId(CommandResult.of(0, "", ""))).isInstanceOf(SpawnException.class);
	}

	@Test
	void queryAllIsOneCommandAndParsesARealListing() {
		CommandLine query = scheduler().queryAll();
		assertThat(query.argv()).isNotEmpty();
		Map<String, JobStatus> jobs = scheduler().parseQueryAll(queryAllOutput());
		assertThat(jobs).isNotEmpty();
		assertThat(jobs.values()).allSatisfy((job) -> {
			assertThat(job.state()).isNotNull();
			assertThat(job.jobId()).isNotBlank();
		});
		assertThat(jobs.values()).anySatisfy((job) -> assertThat(job.state()).isEqualTo(JobState.RUNNING));
		assertThat(jobs.values()).filteredOn((job) -> job.state() == JobState.RUNNING)
			.allSatisfy((job) -> assertThat(job.node()).isNotBlank());
	}

	@Test
	void aFailedQueryIsAnErrorNeverAnEmptyListing() {
		assertThatThrownBy(() -> scheduler().parseQueryAll(CommandResult.of(1, "", "cannot reach the server")))
			.isInstanceOf(IllegalArgumentException.class);
		CommandResult truncated = new CommandResult(0, queryAllOutput().stdout(), "", Duration.ZERO, false, true);
		assertThatThrownBy(() -> scheduler().parseQueryAll(truncated)).isInstanceOf(IllegalArgumentException.class);
		CommandResult timedOut = new CommandResult(-1, "", "", Duration.ofSeconds(30), true, false);
		assertThatThrownBy(() -> scheduler().parseQueryAll(timedOut)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void cancelAndAccountingTakeOnlyWellFormedIds() {
		assertThat(scheduler().cancel(submittedId()).argv()).contains(submittedId());
		for (String hostile : List.of("1; rm -rf ~", "-u", "$(id)", "", "12\n13", "1 2")) {
			assertThatThrownBy(() -> scheduler().cancel(hostile)).as(hostile).isInstanceOf(IllegalArgumentException.class);
			assertThatThrownBy(() -> scheduler().accounting(hostile)).as(hostile).isInstanceOf(IllegalArgumentException.class);
		}
	}

	@Test
	void anUnknownAccountingAnswerIsEmpty() {
		assertThat(scheduler().parseAccounting(submittedId(), CommandResult.of(1, "", "unknown job"))).isEmpty();
	}
}
