package org.portico.spawner.batch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.portico.spawner.SpawnException;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;

/**
 * One batch scheduler's specifics, as data: which commands to run (argument lists, never shell strings) and how
 * to read their output. Like batchspawner's subclasses, but without any I/O of its own: every method is a pure
 * function, fast and thread-safe, and never blocks. The {@link BatchSpawner} runs the commands (submit and
 * cancel as the end user, queries as the gateway's service user) and a {@link SchedulerView} runs
 * {@link #queryAll()} once per interval for all jobs.
 *
 * <p>Every implementation passes {@code BatchSchedulerCompatibilityKit} (in the tests).
 */
public interface BatchScheduler {

	/** A short, stable name: {@code "slurm"}, {@code "pbs"}, {@code "sge"}. */
	String name();

	/** The job-script template, relative to the template roots, e.g. {@code "batch/slurm.sh.ftl"}. */
	String scriptTemplate();

	/**
	 * The command that submits {@code spec}; the rendered job script goes to its standard input.
	 * @throws IllegalArgumentException when {@code spec} holds something this scheduler cannot express safely
	 */
	CommandLine submit(JobSpec spec);

	/**
	 * The job id from a finished submit command.
	 * @return the id, as {@link #cancel} and {@link #parseQueryAll} use it
	 * @throws SpawnException (reason {@code "submit"}) when the submission was refused; its user message is
	 * the scheduler's own
	 */
	String parseJobId(CommandResult submitResult);

	/** ONE command that lists all jobs the scheduler knows, Portico's among them. */
	CommandLine queryAll();

	/**
	 * Reads the output of {@link #queryAll()}.
	 * @return every job listed, by job id, in the scheduler's order
	 * @throws IllegalArgumentException when the output is not what a successful query prints (the caller then
	 * marks everything {@link JobState#UNKNOWN}, never {@link JobState#GONE})
	 */
	Map<String, JobStatus> parseQueryAll(CommandResult result);

	/**
	 * The command that cancels a job. Cancelling an unknown or finished job may succeed silently (Slurm's
	 * {@code scancel} does): callers check the state afterwards.
	 * @throws IllegalArgumentException for a malformed job id
	 */
	CommandLine cancel(String jobId);

	/**
	 * The command that sets a job's time limit to {@code walltime} in all, counted from the job's start as the
	 * limit given at submission is ({@code scontrol update}, {@code qalter}). Slurm and PBS let only operators
	 * raise a limit, so the spawner runs it with its own time-limit prefix, never as the job's owner. An
	 * absolute limit rather than an increment, so that a repeated call changes nothing more.
	 * @param submitted what {@link #submittedResources} returned for the job at submission (empty for a
	 * job submitted before it was recorded)
	 * @return empty when this scheduler cannot change a job's time limit
	 * @throws IllegalArgumentException for a malformed job id or a walltime of zero or above
	 * {@link JobSpec#MAX_WALLTIME}
	 */
	default Optional<CommandLine> timeLimit(String jobId, Duration walltime, List<String> submitted) {
		return Optional.empty();
	}

	/**
	 * The resource requests of a submission that a later {@link #timeLimit} must repeat; stored with the job's
	 * state. Grid Engine's {@code qalter -l} replaces the job's whole list of hard requests, so its memory and
	 * GPU requests are sent again with the new {@code h_rt}; other schedulers change one resource alone.
	 */
	default List<String> submittedResources(JobSpec spec) {
		return List.of();
	}

	/**
	 * The command that shows which GPU devices the scheduler bound a running job to ({@code scontrol show job
	 * -d}), where the scheduler picks them itself; a read-only query.
	 * @throws IllegalArgumentException for a malformed job id
	 */
	default Optional<CommandLine> devices(String jobId) {
		return Optional.empty();
	}

	/**
	 * Reads the output of {@link #devices(String)}.
	 * @return the device indexes on the job's node, in order; empty when the job holds none or the output
	 * does not say
	 */
	default List<Integer> parseDevices(CommandResult result) {
		return List.of();
	}

	/**
	 * The command that asks the scheduler's accounting how a finished job ended ({@code sacct},
	 * {@code qstat -x}, {@code qacct}), where the scheduler has one.
	 * @throws IllegalArgumentException for a malformed job id
	 */
	default Optional<CommandLine> accounting(String jobId) {
		return Optional.empty();
	}

	/**
	 * Reads the output of {@link #accounting(String)}.
	 * @return the ended job, or empty when accounting does not know it (yet)
	 */
	default Optional<JobStatus> parseAccounting(String jobId, CommandResult result) {
		return Optional.empty();
	}

	/**
	 * Whether {@link JobSpec#immediate()} is enforced by the scheduler itself at submission (SGE's
	 * {@code -now y}); when not, the spawner emulates it with a short queue timeout and a cancel.
	 */
	default boolean supportsImmediate() {
		return false;
	}

	/** The variable a job script reads to learn its node's name as the scheduler calls it. */
	String nodeNameVariable();
}
