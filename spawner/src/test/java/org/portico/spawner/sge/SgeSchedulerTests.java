package org.portico.spawner.sge;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portico.spawner.SpawnException;
import org.portico.spawner.batch.BatchScheduler;
import org.portico.spawner.batch.BatchSchedulerCompatibilityKit;
import org.portico.spawner.batch.JobState;
import org.portico.spawner.batch.JobStatus;
import org.portico.spawner.batch.JobSpec;
import org.portico.spawner.batch.TestJobs;
import org.portico.spawner.exec.CommandResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against outputs captured from Son of Grid Engine 8.1.9 (see src/test/resources/sge/README.md). */
class SgeSchedulerTests extends BatchSchedulerCompatibilityKit {

	private final SgeScheduler sge = new SgeScheduler(new SgeScheduler.Settings("/usr/lib/gridengine",
			Map.of("SGE_ROOT", "/var/lib/gridengine", "SGE_CELL", "default"), "smp", "", "gpu", ZoneOffset.UTC, Duration.ofSeconds(30)));

	@Override
	protected BatchScheduler scheduler() {
		return this.sge;
	}

	@Override
	protected CommandResult queryAllOutput() {
		return TestJobs.ok("sge/qstat-xml-all.xml");
	}

	@Override
	protected CommandResult submitAccepted() {
		return TestJobs.ok("sge/qsub-ok.stdout");
	}

	@Override
	protected String submittedId() {
		return "11";
	}

	@Override
	protected CommandResult submitRefused() {
		return CommandResult.of(1, TestJobs.resource("sge/qsub-invalid-queue.stdout"), TestJobs.resource("sge/qsub-invalid-queue.stderr"));
	}

	@Override
	protected String refusalPhrase() {
		return "job requests unknown queue";
	}

	@Test
	void submitsWithResourcesAsArgumentsAndTheCellsEnvironment() {
		var submit = this.sge.submit(TestJobs.spec());
		assertThat(submit.argv()).containsExactly("/usr/lib/gridengine/qsub", "-terse", "-N", "portico-alice-lab", "-wd", "/home/alice",
				"-o", "/home/alice/.portico/lab.log", "-j", "y", "-S", "/bin/bash", "-l", "h_rt=7200", "-q", "interactive", "-pe", "smp", "2");
		assertThat(submit.environment()).containsEntry("SGE_ROOT", "/var/lib/gridengine").containsEntry("SGE_CELL", "default");
	}

	@Test
	void aRefusedImmediateJobFailsAlthoughItPrintedAJobId() {
		// measured: qsub -now y prints an id on stdout and exits 1 when it cannot start the job at once
		CommandResult refused = CommandResult.of(1, TestJobs.resource("sge/qsub-now-refused.stdout"),
				TestJobs.resource("sge/qsub-now-refused.stderr"));
		assertThat(refused.stdout().strip()).matches("[0-9]+");
		assertThatThrownBy(() -> this.sge.parseJobId(refused)).isInstanceOf(SpawnException.class)
			.satisfies((ex) -> assertThat(((SpawnException) ex).userMessage()).contains("could not be scheduled"));
	}

	@Test
	void parsesRunningPendingAndHeldJobs() {
		Map<String, JobStatus> jobs = this.sge.parseQueryAll(queryAllOutput());
		assertThat(jobs).containsOnlyKeys("7", "8", "9", "10", "11");
		JobStatus running = jobs.get("7");
		assertThat(running.state()).isEqualTo(JobState.RUNNING);
		assertThat(running.node()).isEqualTo("localhost");
		assertThat(running.name()).isEqualTo("portico-alice-lab");
		assertThat(running.user()).isEqualTo("alice");
		assertThat(running.timeLimit()).isEqualTo(Duration.ofHours(2));
		assertThat(running.startTime()).isEqualTo(Instant.parse("2026-11-25T04:16:32Z"));
		JobStatus waiting = jobs.get("9");
		assertThat(waiting.state()).isEqualTo(JobState.PENDING);
		assertThat(waiting.partition()).isEqualTo("all.q");
		assertThat(waiting.timeLimit()).isEqualTo(Duration.ofMinutes(30));
		assertThat(jobs.get("10").reason()).startsWith("held");
		assertThat(jobs.get("9").priority()).isGreaterThan(jobs.get("11").priority());
	}

	@Test
	void readsQacct() {
		JobStatus exit3 = this.sge.parseAccounting("11", TestJobs.ok("sge/qacct-exit3.stdout")).orElseThrow();
		assertThat(exit3.state()).isEqualTo(JobState.FAILED);
		assertThat(exit3.exitCode()).isEqualTo(3);
		assertThat(exit3.node()).isEqualTo("localhost");
		JobStatus deleted = this.sge.parseAccounting("8", TestJobs.ok("sge/qacct-deleted.stdout")).orElseThrow();
		assertThat(deleted.state()).isEqualTo(JobState.FAILED);
		assertThat(deleted.exitCode()).isEqualTo(137);
		assertThat(deleted.reason()).contains("100 : assumedly after job");
		assertThat(this.sge.parseAccounting("999999",
				CommandResult.of(1, "", TestJobs.resource("sge/qacct-unknown.stderr")))).isEmpty();
	}

	@Test
	void refusesXmlWithADoctype() {
		CommandResult evil = CommandResult.of(0, "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><job_info>&e;</job_info>", "");
		assertThatThrownBy(() -> this.sge.parseQueryAll(evil)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void theHardRuntimeIsAlteredInSecondsWithTheSubmissionsOtherHardRequests() {
		// qalter -l replaces the whole hard request list: the GPU request of the submission goes with h_rt
		JobSpec gpu = new JobSpec("alice", "portico-alice-lab", "all.q", null, 1, 0, 1, null, Duration.ofHours(1), false,
				java.nio.file.Path.of("/home/alice"), java.nio.file.Path.of("/home/alice/.portico/lab.log"), null, Map.of(), List.of("true"),
				java.net.URI.create("https://gateway.example/cb/KEY0123456789abcdef"), TestJobs.SECRET, Duration.ofMinutes(5));
		List<String> submitted = this.sge.submittedResources(gpu);
		assertThat(submitted).containsExactly("gpu=1");
		assertThat(this.sge.timeLimit("77", Duration.ofHours(2), submitted).orElseThrow().argv())
			.containsExactly("/usr/lib/gridengine/qalter", "-l", "h_rt=7200,gpu=1", "77");
		assertThat(this.sge.timeLimit("77", Duration.ofHours(2), List.of()).orElseThrow().argv())
			.containsExactly("/usr/lib/gridengine/qalter", "-l", "h_rt=7200", "77");
		assertThat(this.sge.timeLimit("77", Duration.ofHours(2), List.of()).orElseThrow().environment()).containsKey("SGE_ROOT");
		assertThatThrownBy(() -> this.sge.timeLimit("77", Duration.ofHours(2), List.of("gpu=1 -u x")))
			.isInstanceOf(IllegalArgumentException.class);
	}
}
