package org.portico.spawner.pbs;

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

/**
 * Against published real {@code qstat -F json} output (see src/test/resources/pbs/README.md for sources).
 * PBS's qsub answers below are NOT captured output: no published raw capture was found; they follow the
 * documented form ({@code ID.SERVER} on success, {@code qsub: MESSAGE} on refusal).
 */
class PbsSchedulerTests extends BatchSchedulerCompatibilityKit {

	private final PbsScheduler pbs = new PbsScheduler(new PbsScheduler.Settings("", Map.of(), "ngpus", ZoneOffset.UTC,
			Duration.ofSeconds(30)));

	@Override
	protected BatchScheduler scheduler() {
		return this.pbs;
	}

	@Override
	protected CommandResult queryAllOutput() {
		return TestJobs.ok("pbs/qstat-xf-json-metacentrum-running.json");
	}

	@Override
	protected CommandResult submitAccepted() {
		return CommandResult.of(0, "4683812.aurora-pbs-0001.hostmgmt.cm.aurora.alcf.anl.gov\n", ""); // documented form, not captured
	}

	@Override
	protected String submittedId() {
		return "4683812.aurora-pbs-0001.hostmgmt.cm.aurora.alcf.anl.gov";
	}

	@Override
	protected CommandResult submitRefused() {
		return CommandResult.of(170, "", "qsub: Unknown queue\n"); // documented form, not captured
	}

	@Override
	protected String refusalPhrase() {
		return "Unknown queue";
	}

	@Test
	void submitsWithASelectStatementAndWalltime() {
		assertThat(this.pbs.submit(TestJobs.spec()).argv()).containsExactly("qsub", "-N", "portico-alice-lab", "-o",
				"/home/alice/.portico/lab.log", "-j", "oe", "-S", "/bin/bash", "-l", "select=1:ncpus=2:mem=4096mb", "-l",
				"walltime=02:00:00", "-q", "interactive");
	}

	@Test
	void parsesARunningJobOnItsFirstHost() {
		JobStatus job = this.pbs.parseQueryAll(queryAllOutput()).get("12860476.meta-pbs.metacentrum.cz");
		assertThat(job.state()).isEqualTo(JobState.RUNNING);
		assertThat(job.node()).isEqualTo("charon24");
		assertThat(job.user()).isEqualTo("jan_brezina");
		assertThat(job.partition()).isEqualTo("charon_2h");
		assertThat(job.timeLimit()).isEqualTo(Duration.ofMinutes(1));
		assertThat(job.startTime()).isEqualTo(Instant.parse("2022-10-04T21:23:33Z"));
	}

	@Test
	void parsesQueuedAndHeldJobsWithTheSchedulersReasonAndEstimate() {
		Map<String, JobStatus> jobs = this.pbs.parseQueryAll(TestJobs.ok("pbs/qstat-xf-json-aurora-excerpt.json"));
		JobStatus queued = jobs.get("4683812.aurora-pbs-0001.hostmgmt.cm.aurora.alcf.anl.gov");
		assertThat(queued.state()).isEqualTo(JobState.PENDING);
		assertThat(queued.reason()).isEqualTo("Not Running: Insufficient amount of resource: at_queue ");
		assertThat(queued.submitTime()).isEqualTo(Instant.parse("2025-05-08T08:42:45Z"));
		JobStatus held = jobs.get("4345644.aurora-pbs-0001.hostmgmt.cm.aurora.alcf.anl.gov");
		assertThat(held.state()).isEqualTo(JobState.PENDING);
		assertThat(held.reason()).isEqualTo("held: job held, too many failed attempts to run");
		assertThat(held.estimatedStart()).isEqualTo(Instant.parse("2025-04-21T15:36:38Z"));
		assertThat(jobs.get("4905472.aurora-pbs-0001.hostmgmt.cm.aurora.alcf.anl.gov").reason()).startsWith("held: Job held by mmin");
	}

	@Test
	void dropsVariableListsSoBrokenValuesAndEnvironmentsNeverReachTheParser() {
		// The defect reported by a published parser (jtchilders/pbs_monitor): a bare number with leading zeros,
		// and an unescaped quote, inside Variable_List.
		String broken = TestJobs.resource("pbs/qstat-xf-json-metacentrum-running.json")
			.replace("\"PBS_NUM_NODES\":2,", "\"CI_COMMIT_BEFORE_SHA\":0000000000000000000000000000000000000000,\n                    \"SECRET\":\"a\"b\",\n                    \"PBS_NUM_NODES\":2,");
		assertThat(PbsScheduler.withoutVariableLists(broken)).doesNotContain("Variable_List").doesNotContain("CI_COMMIT_BEFORE_SHA");
		assertThat(this.pbs.parseQueryAll(CommandResult.of(0, broken, ""))).hasSize(1);
	}

	@Test
	void readsFinishedJobs() {
		// Shape of a finished job as qstat -x prints it; assembled here, not a captured sample (none found).
		String finished = "{\"timestamp\":1,\"pbs_version\":\"2022.1.1\",\"pbs_server\":\"s\",\"Jobs\":{"
				+ "\"1.s\":{\"Job_Name\":\"portico-alice-lab\",\"job_state\":\"F\",\"queue\":\"q\",\"stime\":\"Mon Jan 24 08:39:00 2022\",\"exec_host\":\"n1/0\",\"Exit_status\":0},"
				+ "\"2.s\":{\"Job_Name\":\"portico-alice-lab\",\"job_state\":\"F\",\"queue\":\"q\",\"stime\":\"Mon Jan 24 08:39:00 2022\",\"exec_host\":\"n1/0\",\"Exit_status\":271},"
				+ "\"3.s\":{\"Job_Name\":\"portico-alice-lab\",\"job_state\":\"F\",\"queue\":\"q\",\"comment\":\"Not Running: Not enough free nodes available and terminated\"},"
				+ "\"4.s\":{\"Job_Name\":\"portico-alice-lab\",\"job_state\":\"F\",\"queue\":\"q\",\"stime\":\"Mon Jan 24 08:39:00 2022\",\"Exit_status\":-3}}}";
		Map<String, JobStatus> jobs = this.pbs.parseQueryAll(CommandResult.of(0, finished, ""));
		assertThat(jobs.get("1.s").state()).isEqualTo(JobState.COMPLETED);
		assertThat(jobs.get("2.s").state()).isEqualTo(JobState.FAILED);
		assertThat(jobs.get("2.s").exitCode()).isEqualTo(143);
		assertThat(jobs.get("2.s").reason()).isEqualTo("killed by signal 15");
		assertThat(jobs.get("3.s").state()).isEqualTo(JobState.CANCELLED);
		assertThat(jobs.get("4.s").reason()).startsWith("PBS could not run the job (Exit_status -3)");
		assertThat(this.pbs.parseAccounting("1.s", CommandResult.of(0, finished, ""))).hasValueSatisfying(
				(j) -> assertThat(j.exitCode()).isZero());
	}

	@Test
	void refusesWhatPbsWouldMisread() {
		var spec = TestJobs.spec();
		var colon = new org.portico.spawner.batch.JobSpec(spec.user(), spec.jobName(), null, null, 1, 0, 0, null, spec.walltime(),
				false, spec.workDir(), java.nio.file.Path.of("/home/alice/a:b.log"), null, Map.of(), spec.command(), spec.callbackUrl(),
				spec.callbackSecret(), spec.startTimeout());
		assertThatThrownBy(() -> this.pbs.submit(colon)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> this.pbs.parseQueryAll(CommandResult.of(0, "{\"no\":\"pbs\"}", ""))).isInstanceOf(IllegalArgumentException.class);
		assertThat(PbsScheduler.firstHost("charon24/0*2+charon21/0*2")).isEqualTo("charon24");
	}

	@Test
	void theWalltimeIsAlteredAsHoursMinutesSeconds() {
		assertThat(this.pbs.timeLimit("1234.pbs", Duration.ofHours(2), List.of()).orElseThrow().argv())
			.containsExactly("qalter", "-l", "walltime=02:00:00", "1234.pbs");
		assertThat(this.pbs.timeLimit("1234.pbs", Duration.ofHours(30).plusMinutes(5).plusSeconds(7), List.of()).orElseThrow().argv())
			.contains("walltime=30:05:07");
	}
}
