package org.portico.spawner.slurm;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portico.spawner.batch.BatchScheduler;
import org.portico.spawner.batch.BatchSchedulerCompatibilityKit;
import org.portico.spawner.batch.JobState;
import org.portico.spawner.batch.JobStatus;
import org.portico.spawner.batch.TestJobs;
import org.portico.spawner.exec.CommandResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against outputs captured from Slurm 22.05.8 (see src/test/resources/slurm/README.md). */
class SlurmSchedulerTests extends BatchSchedulerCompatibilityKit {

	private final SlurmScheduler slurm = new SlurmScheduler(ZoneOffset.UTC, Map.of(), Duration.ofSeconds(30));

	@Override
	protected BatchScheduler scheduler() {
		return this.slurm;
	}

	@Override
	protected CommandResult queryAllOutput() {
		return TestJobs.ok("slurm/squeue-all.txt");
	}

	@Override
	protected CommandResult submitAccepted() {
		return TestJobs.ok("slurm/sbatch-ok.stdout");
	}

	@Override
	protected String submittedId() {
		return "16";
	}

	@Override
	protected CommandResult submitRefused() {
		return CommandResult.of(1, "", TestJobs.resource("slurm/sbatch-invalid-partition.stderr"));
	}

	@Override
	protected String refusalPhrase() {
		return "Invalid partition name specified";
	}

	@Test
	void submitsWithEveryResourceAsAnArgument() {
		assertThat(this.slurm.submit(TestJobs.spec()).argv()).containsExactly("sbatch", "--parsable", "--export=NONE",
				"--job-name=portico-alice-lab", "--chdir=/home/alice", "--output=/home/alice/.portico/lab.log", "--cpus-per-task=2",
				"--time=120", "--partition=interactive", "--mem=4096M");
	}

	@Test
	void parsesRunningPendingFailedAndCancelledJobs() {
		Map<String, JobStatus> jobs = this.slurm.parseQueryAll(queryAllOutput());
		assertThat(jobs).containsOnlyKeys("9", "10", "11", "12", "13", "14");
		JobStatus running = jobs.get("9");
		assertThat(running.state()).isEqualTo(JobState.RUNNING);
		assertThat(running.node()).isEqualTo("localhost");
		assertThat(running.partition()).isEqualTo("interactive");
		assertThat(running.name()).isEqualTo("portico-alice-lab");
		assertThat(running.timeLimit()).isEqualTo(Duration.ofHours(2));
		assertThat(running.timeRemaining()).isEqualTo(Duration.ofMinutes(119).plusSeconds(48));
		assertThat(running.startTime()).isEqualTo(Instant.parse("2026-11-25T04:16:00Z"));

		JobStatus pending = jobs.get("11");
		assertThat(pending.state()).isEqualTo(JobState.PENDING);
		assertThat(pending.reason()).isEqualTo("Priority");
		assertThat(pending.estimatedStart()).isEqualTo(Instant.parse("2026-11-25T07:16:00Z"));
		assertThat(pending.node()).isNull();

		// another user's job whose name holds the delimiter
		assertThat(jobs.get("10").name()).isEqualTo("bob|fill");
		assertThat(jobs.get("10").reason()).isEqualTo("Resources");

		JobStatus failed = jobs.get("13");
		assertThat(failed.state()).isEqualTo(JobState.FAILED);
		assertThat(failed.exitCode()).isEqualTo(3); // raw 768
		assertThat(failed.reason()).isEqualTo("NonZeroExitCode");

		JobStatus cancelled = jobs.get("14");
		assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
		assertThat(cancelled.exitCode()).isEqualTo(128 + 15); // raw 15: SIGTERM
	}

	@Test
	void aPendingJobWithoutAnEstimateHasNone() {
		Map<String, JobStatus> jobs = this.slurm.parseQueryAll(TestJobs.ok("slurm/squeue-just-submitted.txt"));
		assertThat(jobs.get("15").state()).isEqualTo(JobState.PENDING);
		assertThat(jobs.get("15").estimatedStart()).isNull(); // StartTime N/A
		// Slurm's placeholder for "no estimate yet" is the submit time plus one year
		JobStatus placeholder = this.slurm.parseLine(
				"5|PENDING|n/a|interactive|alice|4294901755|2026-11-25T04:04:05|2027-11-25T04:04:05|UNLIMITED|UNLIMITED|0|Priority|portico-alice-exit3|");
		assertThat(placeholder.estimatedStart()).isNull();
		assertThat(placeholder.timeLimit()).isNull();
	}

	@Test
	void aCompletingJobIsNotYetEnded() {
		// measured: after scancel, squeue shows COMPLETING before CANCELLED
		assertThat(SlurmScheduler.state("COMPLETING")).isEqualTo(JobState.RUNNING);
		assertThat(SlurmScheduler.state("CANCELLED")).isEqualTo(JobState.CANCELLED);
		assertThat(SlurmScheduler.state("TIMEOUT")).isEqualTo(JobState.FAILED);
		assertThat(SlurmScheduler.state("SOMETHING_NEW")).isEqualTo(JobState.UNKNOWN);
	}

	@Test
	void readsTimesAndExitStatuses() {
		assertThat(SlurmScheduler.duration("30:00")).isEqualTo(Duration.ofMinutes(30));
		assertThat(SlurmScheduler.duration("1-02:03:04")).isEqualTo(Duration.ofSeconds(86400 + 7384));
		assertThat(SlurmScheduler.duration("2-12")).isEqualTo(Duration.ofHours(60));
		assertThat(SlurmScheduler.duration("UNLIMITED")).isNull();
		assertThat(SlurmScheduler.exitCode("0")).isZero();
		assertThat(SlurmScheduler.exitCode("768")).isEqualTo(3);
		assertThat(SlurmScheduler.exitCode("9")).isEqualTo(137);
	}

	@Test
	void readsSacctAndAcceptsItsAbsence() {
		assertThat(this.slurm.parseAccounting("13", CommandResult.of(1, "", TestJobs.resource("slurm/sacct-disabled.stderr")))).isEmpty();
		CommandResult sacct = TestJobs.ok("slurm/sacct-ended.stdout");
		JobStatus failed = this.slurm.parseAccounting("20", sacct).orElseThrow();
		assertThat(failed.state()).isEqualTo(JobState.FAILED);
		assertThat(failed.exitCode()).isEqualTo(3);
		assertThat(failed.node()).isEqualTo("localhost");
		JobStatus completed = this.slurm.parseAccounting("21", sacct).orElseThrow();
		assertThat(completed.state()).isEqualTo(JobState.COMPLETED);
		assertThat(completed.exitCode()).isZero();
		JobStatus cancelled = this.slurm.parseAccounting("22", sacct).orElseThrow();
		assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED); // "CANCELLED by 1001"
		assertThat(cancelled.reason()).isEqualTo("CANCELLED by 1001");
		assertThat(this.slurm.parseAccounting("23", sacct)).isEmpty();
	}

	@Test
	void escapesPercentInTheOutputPath() {
		var spec = TestJobs.spec();
		var withPercent = new org.portico.spawner.batch.JobSpec(spec.user(), spec.jobName(), null, null, 1, 0, 0, null,
				spec.walltime(), true, spec.workDir(), java.nio.file.Path.of("/home/alice/100%.log"), "node[1-2]", Map.of(),
				spec.command(), spec.callbackUrl(), spec.callbackSecret(), spec.startTimeout());
		assertThat(this.slurm.submit(withPercent).argv()).contains("--output=/home/alice/100%%.log", "--nodelist=node[1-2]")
			.noneMatch((a) -> a.startsWith("--immediate"));
	}

	@Test
	void theTimeLimitIsSetInMinutesAsScontrolDocumentsIt() {
		// scontrol(1): TimeLimit takes minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]];
		// seconds are rounded up to the next minute. 2 h = 120 min; read back as 02:00:00.
		assertThat(this.slurm.timeLimit("4711", Duration.ofHours(2), List.of()).orElseThrow().argv())
			.containsExactly("scontrol", "update", "JobId=4711", "TimeLimit=120");
		assertThat(this.slurm.timeLimit("4711", Duration.ofMinutes(90).plusSeconds(1), List.of()).orElseThrow().argv())
			.endsWith("TimeLimit=91");
		assertThat(this.slurm.timeLimit("4711", Duration.ofDays(3), List.of()).orElseThrow().argv()).endsWith("TimeLimit=4320");
	}

	@Test
	void readsTheDevicesSlurmBoundAJobTo() {
		assertThat(this.slurm.devices("42").orElseThrow().argv()).containsExactly("scontrol", "show", "job", "-d", "-o", "42");
		assertThatThrownBy(() -> this.slurm.devices("42; id")).isInstanceOf(IllegalArgumentException.class);
		// the job's own request (GRES=shard:2) carries no binding; the node line's GRES=shard:2(IDX:0) does
		assertThat(this.slurm.parseDevices(TestJobs.ok("slurm/scontrol-show-job-d-shard.stdout"))).containsExactly(0);
		assertThat(this.slurm.parseDevices(TestJobs.ok("slurm/scontrol-show-job-d-gpus.stdout"))).containsExactly(0, 1);
		assertThat(this.slurm.parseDevices(CommandResult.of(1, "", "slurm_load_jobs error: Invalid job id specified"))).isEmpty();
		assertThat(this.slurm.parseDevices(CommandResult.of(0, "JobId=7 Nodes=n1 GRES=gpu:h100:1(IDX:3) x", ""))).containsExactly(3);
	}
}
