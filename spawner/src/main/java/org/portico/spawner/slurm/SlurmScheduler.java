package org.portico.spawner.slurm;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.SpawnException;
import org.portico.spawner.batch.BatchScheduler;
import org.portico.spawner.batch.JobSpec;
import org.portico.spawner.batch.JobState;
import org.portico.spawner.batch.JobStatus;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;

/**
 * Slurm, as measured on Slurm 22.05:
 * <ul>
 * <li>Submit: {@code sbatch --parsable --export=NONE ...} with every resource as an argument and the script on
 * standard input. {@code --export=NONE} because {@code runuser}/{@code su} would otherwise leak the gateway's
 * PATH into the job. {@code sbatch} has no {@code --immediate} (only {@code srun}/{@code salloc} have; sbatch
 * rejects it with exit 255), so "start now or give up" is emulated by the spawner's short queue timeout.</li>
 * <li>Query: ONE {@code squeue -h -t all -O ...} for every job, with the {@code |} suffix after each field.
 * {@code -O} rather than {@code -o} because only it has {@code exit_code}; with a suffix and no width it
 * prints fields whole. The job name comes last, since names (other users' at least) may hold {@code |}.
 * ({@code squeue --json} ignores {@code -t}/{@code -j}/{@code -u} and costs four times as much.)</li>
 * <li>{@code exit_code} is a raw wait status ({@code 768} for {@code exit 3}, {@code 15} for SIGTERM).
 * {@code StartTime} of a pending job without an estimate is the submit time plus one year.</li>
 * <li>Cancel: {@code scancel ID}, silent (exit 0) for unknown or finished jobs.</li>
 * <li>Time limit: {@code scontrol update JobId=ID TimeLimit=MINUTES}; a raise is refused to the job's owner
 * ("Access/permission denied"), so it runs as an operator.</li>
 * <li>Accounting: {@code sacct -n -P -X}; its text {@code ExitCode} ({@code 3:0}) is right where
 * {@code sacct --json} is not; without slurmdbd it fails ("accounting storage is disabled").</li>
 * </ul>
 * The node a job's script runs on is the batch host; jobs publish {@code $SLURMD_NODENAME}, not
 * {@code hostname} (which is the machine's name). Thread-safe, no I/O.
 */
public final class SlurmScheduler implements BatchScheduler {

	private static final java.util.regex.Pattern DEVICES = java.util.regex.Pattern
		.compile("\\bGRES=[A-Za-z0-9_:]+\\(IDX:([0-9]{1,3}(?:-[0-9]{1,3})?(?:,[0-9]{1,3}(?:-[0-9]{1,3})?){0,63})\\)");

	/** The {@code squeue -O} fields, in order; {@code Name} must stay last. */
	static final List<String> FIELDS = List.of("JobID", "State", "BatchHost", "Partition", "UserName", "PriorityLong",
			"SubmitTime", "StartTime", "TimeLimit", "TimeLeft", "exit_code", "Reason", "Name");

	static final String FORMAT = String.join(",", FIELDS.stream().map((f) -> f + ":|").toList());

	private static final Pattern JOB_ID = Pattern.compile("[0-9]{1,18}(_[0-9]{1,9})?");

	private static final Pattern SUBMITTED = Pattern.compile("([0-9]{1,18})(;[A-Za-z0-9_.-]+)?");

	private static final Duration PLACEHOLDER = Duration.ofDays(364);

	private final ZoneId zone;

	private final Map<String, String> environment;

	private final Duration commandTimeout;

	/**
	 * @param zone the cluster's time zone (squeue prints local times)
	 * @param environment variables every Slurm command needs (e.g. {@code SLURM_CONF}), usually none
	 * @param commandTimeout how long one Slurm command may take
	 */
	public SlurmScheduler(ZoneId zone, Map<String, String> environment, Duration commandTimeout) {
		this.zone = Objects.requireNonNull(zone, "zone");
		this.environment = Map.copyOf(environment);
		this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
	}

	/** The system time zone, no extra environment, 30 s per command. */
	public static SlurmScheduler defaults() {
		return new SlurmScheduler(ZoneId.systemDefault(), Map.of(), Duration.ofSeconds(30));
	}

	@Override
	public String name() {
		return "slurm";
	}

	@Override
	public String scriptTemplate() {
		return "batch/slurm.sh.ftl";
	}

	@Override
	public String nodeNameVariable() {
		return "SLURMD_NODENAME";
	}

	@Override
	public CommandLine submit(JobSpec spec) {
		List<String> argv = new ArrayList<>(List.of("sbatch", "--parsable", "--export=NONE", "--job-name=" + spec.jobName(),
				"--chdir=" + spec.workDir(), "--output=" + outputPattern(spec.outputFile().toString()),
				"--cpus-per-task=" + spec.cores(), "--time=" + spec.walltimeMinutes()));
		if (spec.queue() != null) {
			argv.add("--partition=" + spec.queue());
		}
		if (spec.account() != null) {
			argv.add("--account=" + spec.account());
		}
		if (spec.memoryMiB() > 0) {
			argv.add("--mem=" + spec.memoryMiB() + "M");
		}
		if (spec.gres() != null) {
			argv.add("--gres=" + spec.gres());
		}
		else if (spec.gpus() > 0) {
			argv.add("--gres=gpu:" + spec.gpus());
		}
		if (spec.nodeList() != null) {
			argv.add("--nodelist=" + spec.nodeList());
		}
		if (spec.oversubscribe()) {
			// a placement seat shares the node's cores with other seats (the partition may force it as well)
			argv.add("--oversubscribe");
		}
		return command(argv);
	}

	/** sbatch expands {@code %j} etc. in file names; {@code %%} is a literal % (unless a backslash disables all). */
	private static String outputPattern(String path) {
		return path.contains("\\") ? path : path.replace("%", "%%");
	}

	@Override
	public String parseJobId(CommandResult result) {
		String first = result.stdout().strip().lines().findFirst().orElse("");
		var m = SUBMITTED.matcher(first);
		if (!result.success() || !m.matches()) {
			throw new SpawnException("submit", "Slurm refused the job: " + result.message(500),
					"sbatch failed exit=" + result.exitCode() + " timedOut=" + result.timedOut());
		}
		return m.group(1);
	}

	@Override
	public CommandLine queryAll() {
		return command(List.of("squeue", "-h", "-t", "all", "-O", FORMAT));
	}

	@Override
	public Map<String, JobStatus> parseQueryAll(CommandResult result) {
		if (!result.success()) {
			throw new IllegalArgumentException("squeue failed: " + result.message(200));
		}
		Map<String, JobStatus> jobs = new LinkedHashMap<>();
		for (String line : result.stdout().split("\n")) {
			if (line.isBlank()) {
				continue;
			}
			JobStatus job = parseLine(line);
			jobs.put(job.jobId(), job);
		}
		return jobs;
	}

	JobStatus parseLine(String line) {
		String body = line.endsWith("|") ? line.substring(0, line.length() - 1) : line;
		// Reason is Slurm's own text (no '|'); the name, last, takes whatever remains, '|' included.
		String[] head = body.split("\\|", FIELDS.size());
		if (head.length != FIELDS.size()) {
			throw new IllegalArgumentException("unexpected squeue line: " + head.length + " fields");
		}
		String reason = head[FIELDS.size() - 2];
		String name = head[FIELDS.size() - 1];
		String jobId = head[0];
		if (!JOB_ID.matcher(jobId).matches()) {
			throw new IllegalArgumentException("unexpected squeue job id");
		}
		String slurmState = head[1];
		JobState state = state(slurmState);
		Instant submit = time(head[6]);
		Instant start = time(head[7]);
		JobStatus.Builder job = JobStatus.builder(jobId, state)
			.name(name)
			.user(blankToNull(head[4]))
			.partition(blankToNull(head[3]))
			.priority(parseLong(head[5]))
			.submitTime(submit)
			.timeLimit(duration(head[8]));
		if (state == JobState.PENDING) {
			boolean placeholder = start != null && submit != null && Duration.between(submit, start).compareTo(PLACEHOLDER) >= 0;
			job.estimatedStart(placeholder ? null : start).reason(reason(reason));
		}
		else {
			job.startTime(start).node(node(head[2]));
		}
		if (state == JobState.RUNNING) {
			job.timeRemaining(duration(head[9]));
		}
		if (state.isTerminal()) {
			job.exitCode(exitCode(head[10]));
			String why = reason(reason);
			job.reason((why != null) ? why : (state == JobState.COMPLETED ? null : slurmState));
			if (state == JobState.FAILED && why != null && !slurmState.equals("FAILED")) {
				job.reason(slurmState + ": " + why);
			}
		}
		return job.build();
	}

	static JobState state(String slurm) {
		return switch (slurm) {
			case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT" -> JobState.PENDING;
			// COMPLETING: ending, outcome not known yet (a cancelled job shows COMPLETING before CANCELLED, for
			// up to KillWait): still RUNNING, so nobody reports a cancelled job as completed.
			case "RUNNING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESIZING", "COMPLETING" -> JobState.RUNNING;
			case "COMPLETED" -> JobState.COMPLETED;
			case "CANCELLED", "PREEMPTED", "REVOKED" -> JobState.CANCELLED;
			case "FAILED", "BOOT_FAIL", "DEADLINE", "NODE_FAIL", "OUT_OF_MEMORY", "TIMEOUT" -> JobState.FAILED;
			default -> JobState.UNKNOWN;
		};
	}

	/** A raw wait status as squeue's exit_code prints it: the exit status, or 128 + signal. */
	static @Nullable Integer exitCode(String raw) {
		if (!raw.matches("[0-9]{1,10}")) {
			return null;
		}
		long status = Long.parseLong(raw);
		int signal = (int) (status & 0x7f);
		return (signal != 0) ? 128 + signal : (int) ((status >> 8) & 0xff);
	}

	private @Nullable Instant time(String text) {
		if (text.isEmpty() || !Character.isDigit(text.charAt(0))) {
			return null; // N/A, Unknown, NONE
		}
		try {
			return LocalDateTime.parse(text).atZone(this.zone).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	/** {@code [D-]HH:MM:SS}, {@code MM:SS} or {@code M}; {@code null} for UNLIMITED, NOT_SET, INVALID. */
	static @Nullable Duration duration(String text) {
		if (text.isEmpty() || !Character.isDigit(text.charAt(0))) {
			return null;
		}
		long days = 0;
		String hms = text;
		int dash = text.indexOf('-');
		if (dash > 0) {
			days = Long.parseLong(text.substring(0, dash));
			hms = text.substring(dash + 1);
		}
		String[] parts = hms.split(":");
		long seconds;
		try {
			seconds = switch (parts.length) {
				case 1 -> (dash > 0) ? Long.parseLong(parts[0]) * 3600 : Long.parseLong(parts[0]) * 60;
				case 2 -> (dash > 0) ? Long.parseLong(parts[0]) * 3600 + Long.parseLong(parts[1]) * 60
						: Long.parseLong(parts[0]) * 60 + Long.parseLong(parts[1]);
				case 3 -> Long.parseLong(parts[0]) * 3600 + Long.parseLong(parts[1]) * 60 + Long.parseLong(parts[2]);
				default -> -1;
			};
		}
		catch (NumberFormatException ex) {
			return null;
		}
		return (seconds < 0) ? null : Duration.ofSeconds(days * 86400 + seconds);
	}

	private static @Nullable String node(String batchHost) {
		return (batchHost.isEmpty() || "n/a".equalsIgnoreCase(batchHost) || "(null)".equals(batchHost)) ? null : batchHost;
	}

	private static @Nullable String reason(String reason) {
		return (reason.isEmpty() || "None".equals(reason) || "(null)".equals(reason)) ? null : reason;
	}

	private static @Nullable String blankToNull(String s) {
		return s.isEmpty() ? null : s;
	}

	private static long parseLong(String s) {
		try {
			return Long.parseLong(s);
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	/**
	 * {@code scontrol update JobId=ID TimeLimit=MINUTES}: {@code TimeLimit} takes minutes (or
	 * {@code days-hours:minutes:seconds}) and rounds seconds up to the next minute, as {@code --time} does at
	 * submission. Only an operator, an admin or SlurmUser may raise it; the job's owner may only lower it.
	 */
	@Override
	public Optional<CommandLine> timeLimit(String jobId, Duration walltime, List<String> submitted) {
		return Optional.of(command(List.of("scontrol", "update", "JobId=" + checkedId(jobId),
				"TimeLimit=" + JobSpec.minutes(JobSpec.checkedWalltime(walltime)))));
	}

	@Override
	public Optional<CommandLine> devices(String jobId) {
		return Optional.of(command(List.of("scontrol", "show", "job", "-d", "-o", checkedId(jobId))));
	}

	/**
	 * Reads the detail of {@code scontrol show job -d -o}: Slurm 22.05 writes the node's binding as
	 * {@code GRES=shard:1(IDX:0)} or {@code GRES=gpu:2(IDX:0-1)} (measured on the loopback cluster).
	 */
	@Override
	public List<Integer> parseDevices(CommandResult result) {
		if (!result.success()) {
			return List.of();
		}
		java.util.regex.Matcher m = DEVICES.matcher(result.stdout());
		java.util.TreeSet<Integer> devices = new java.util.TreeSet<>();
		while (m.find()) {
			for (String part : m.group(1).split(",")) {
				String[] range = part.split("-", 2);
				int first = Integer.parseInt(range[0]);
				int last = (range.length == 2) ? Integer.parseInt(range[1]) : first;
				for (int i = first; i <= last && i - first < 64; i++) {
					devices.add(i);
				}
			}
		}
		return List.copyOf(devices);
	}

	@Override
	public CommandLine cancel(String jobId) {
		return command(List.of("scancel", checkedId(jobId)));
	}

	@Override
	public Optional<CommandLine> accounting(String jobId) {
		return Optional.of(command(List.of("sacct", "-n", "-P", "-X", "-j", checkedId(jobId), "-o",
				"JobID,State,ExitCode,NodeList,Partition,Start,End,Reason,JobName")));
	}

	@Override
	public Optional<JobStatus> parseAccounting(String jobId, CommandResult result) {
		if (!result.success()) {
			return Optional.empty(); // e.g. "Slurm accounting storage is disabled"
		}
		for (String line : result.stdout().split("\n")) {
			String[] f = line.split("\\|", 9);
			if (f.length < 9 || !f[0].equals(jobId)) {
				continue;
			}
			// State is e.g. "CANCELLED by 1001"; ExitCode is "status:signal".
			String slurmState = f[1].split(" ")[0];
			JobState state = state(slurmState);
			if (!state.isTerminal()) {
				return Optional.empty();
			}
			Integer exit = null;
			String[] ec = f[2].split(":");
			if (ec.length == 2 && ec[0].matches("[0-9]+") && ec[1].matches("[0-9]+")) {
				int signal = Integer.parseInt(ec[1]);
				exit = (signal != 0) ? 128 + signal : Integer.parseInt(ec[0]);
			}
			return Optional.of(JobStatus.builder(jobId, state)
				.exitCode(exit)
				.node(node(f[3]))
				.partition(blankToNull(f[4]))
				.startTime(time(f[5]))
				.reason((reason(f[7]) != null) ? reason(f[7]) : (state == JobState.COMPLETED ? null : f[1]))
				.name(f[8])
				.build());
		}
		return Optional.empty();
	}

	private static String checkedId(String jobId) {
		if (!JOB_ID.matcher(jobId).matches()) {
			throw new IllegalArgumentException("malformed Slurm job id");
		}
		return jobId;
	}

	private CommandLine command(List<String> argv) {
		return new CommandLine(argv, this.environment, this.commandTimeout);
	}
}
