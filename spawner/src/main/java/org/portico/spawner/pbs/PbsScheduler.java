package org.portico.spawner.pbs;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.jspecify.annotations.Nullable;
import org.portico.spawner.SpawnException;
import org.portico.spawner.batch.BatchScheduler;
import org.portico.spawner.batch.JobSpec;
import org.portico.spawner.batch.JobState;
import org.portico.spawner.batch.JobStatus;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;

/**
 * PBS Pro / OpenPBS, from its documentation and published real output (not run here: PBS Pro is not packaged
 * for Debian):
 * <ul>
 * <li>Submit: {@code qsub} with resources as arguments ({@code -l select=1:ncpus=N:mem=Mmb},
 * {@code -l walltime=HH:MM:SS}) and the script on standard input; it prints {@code ID.SERVER}. PBS has no
 * "start now or give up" at submission; the closest honest emulation is the spawner's short queue timeout
 * followed by {@code qdel}.</li>
 * <li>Query: ONE {@code qstat -f -F json}. Its output has known defects, seen in published samples and
 * parsers: values in {@code Variable_List} printed as bare numbers with leading zeros (a git SHA of zeros),
 * and quotes left unescaped. {@code Variable_List} also is the job's environment. So the parser drops every
 * {@code Variable_List} block before reading the JSON (it is never needed, and must never be logged) and
 * reads the rest leniently.</li>
 * <li>Pending reason: {@code comment} ("Not Running: ..."); estimated start: {@code estimated.start_time};
 * the node: the first host of {@code exec_host} ({@code host/0*2+host2/0*2}), where the script runs.</li>
 * <li>Finished jobs leave {@code qstat} (unless job history keeps them, state {@code F});
 * {@code qstat -x -f -F json ID} then shows {@code Exit_status}: above 256 means killed by signal
 * (status - 256), below 0 means PBS could not run the job.</li>
 * </ul>
 * Thread-safe, no I/O.
 */
public final class PbsScheduler implements BatchScheduler {

	private static final Pattern JOB_ID = Pattern.compile("[0-9]{1,18}(\\[[0-9]*\\])?(\\.[A-Za-z0-9_.-]{1,253})?");

	private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);

	private static final JsonMapper JSON = JsonMapper.builder()
		.enable(JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS, JsonReadFeature.ALLOW_TRAILING_COMMA,
				JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS, JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS,
				JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER)
		.build();

	private final Settings settings;

	/**
	 * Site settings of the adapter.
	 * @param binDir the directory of the PBS commands ({@code /opt/pbs/bin}), or {@code ""} for the PATH
	 * @param environment variables every command needs, usually none
	 * @param gpuResource the chunk resource that counts GPUs ({@code ngpus})
	 * @param zone the server's time zone
	 * @param commandTimeout how long one command may take
	 */
	public record Settings(String binDir, Map<String, String> environment, String gpuResource, ZoneId zone,
			Duration commandTimeout) {

		public Settings {
			Objects.requireNonNull(binDir, "binDir");
			environment = Map.copyOf(environment);
			Objects.requireNonNull(gpuResource, "gpuResource");
			Objects.requireNonNull(zone, "zone");
			Objects.requireNonNull(commandTimeout, "commandTimeout");
		}

		/** {@code /opt/pbs/bin}, {@code ngpus}, the system time zone, 30 s per command. */
		public static Settings defaults() {
			return new Settings("/opt/pbs/bin", Map.of(), "ngpus", ZoneId.systemDefault(), Duration.ofSeconds(30));
		}
	}

	public PbsScheduler(Settings settings) {
		this.settings = Objects.requireNonNull(settings, "settings");
	}

	@Override
	public String name() {
		return "pbs";
	}

	@Override
	public String scriptTemplate() {
		return "batch/pbs.sh.ftl";
	}

	@Override
	public String nodeNameVariable() {
		return ""; // PBS sets no variable with the execution host's name: the script asks hostname
	}

	@Override
	public CommandLine submit(JobSpec spec) {
		String output = spec.outputFile().toString();
		if (output.contains(":")) {
			throw new IllegalArgumentException("PBS reads 'host:path' in output paths: the path must not hold ':'");
		}
		StringBuilder select = new StringBuilder("select=1:ncpus=").append(spec.cores());
		if (spec.memoryMiB() > 0) {
			select.append(":mem=").append(spec.memoryMiB()).append("mb");
		}
		if (spec.gres() != null) {
			throw new IllegalArgumentException("generic resources (gres) are a Slurm request; ask for gpus instead");
		}
		if (spec.gpus() > 0) {
			select.append(':').append(this.settings.gpuResource()).append('=').append(spec.gpus());
		}
		if (spec.nodeList() != null) {
			if (!spec.nodeList().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
				throw new IllegalArgumentException("PBS takes one node name here");
			}
			select.append(":host=").append(spec.nodeList());
		}
		List<String> argv = new ArrayList<>(List.of(bin("qsub"), "-N", spec.jobName(), "-o", output, "-j", "oe", "-S",
				"/bin/bash", "-l", select.toString(), "-l", "walltime=" + spec.walltimeHms()));
		if (spec.queue() != null) {
			argv.add("-q");
			argv.add(spec.queue());
		}
		if (spec.account() != null) {
			argv.add("-A");
			argv.add(spec.account());
		}
		return command(argv);
	}

	@Override
	public String parseJobId(CommandResult result) {
		String first = result.stdout().strip().lines().findFirst().orElse("");
		if (!result.success() || !JOB_ID.matcher(first).matches()) {
			throw new SpawnException("submit", "PBS refused the job: " + result.message(500),
					"qsub failed exit=" + result.exitCode() + " timedOut=" + result.timedOut());
		}
		return first;
	}

	@Override
	public CommandLine queryAll() {
		return command(List.of(bin("qstat"), "-f", "-F", "json"));
	}

	@Override
	public Map<String, JobStatus> parseQueryAll(CommandResult result) {
		if (!result.success()) {
			throw new IllegalArgumentException("qstat failed: " + result.message(200));
		}
		return parseJobs(result.stdout());
	}

	Map<String, JobStatus> parseJobs(String output) {
		JsonNode root;
		try {
			root = JSON.readTree(withoutVariableLists(output));
		}
		catch (JsonProcessingException ex) {
			// The message may quote the output: keep only where it failed.
			throw new IllegalArgumentException("qstat -F json output is not readable JSON at "
					+ ((ex.getLocation() != null) ? "line " + ex.getLocation().getLineNr() : "an unknown place"));
		}
		if (root == null || !root.isObject() || !root.has("pbs_version")) {
			throw new IllegalArgumentException("unexpected qstat -F json output");
		}
		Map<String, JobStatus> jobs = new LinkedHashMap<>();
		JsonNode all = root.path("Jobs");
		for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext();) {
			Map.Entry<String, JsonNode> entry = it.next();
			jobs.put(entry.getKey(), parseJob(entry.getKey(), entry.getValue()));
		}
		return jobs;
	}

	/**
	 * Drops {@code "Variable_List":{ ... }} blocks line by line: qstat prints one attribute per line and
	 * closes the block on a line of its own, and the values inside are where its JSON is broken.
	 */
	static String withoutVariableLists(String output) {
		StringBuilder kept = new StringBuilder(output.length());
		boolean skipping = false;
		for (String line : output.split("\n", -1)) {
			String trimmed = line.strip();
			if (!skipping && trimmed.startsWith("\"Variable_List\":{")) {
				skipping = !trimmed.endsWith("}") && !trimmed.endsWith("},");
				continue;
			}
			if (skipping) {
				if (trimmed.equals("}") || trimmed.equals("},")) {
					skipping = false;
				}
				continue;
			}
			kept.append(line).append('\n');
		}
		return kept.toString();
	}

	private JobStatus parseJob(String jobId, JsonNode job) {
		String pbsState = job.path("job_state").asText("");
		Integer exitStatus = job.hasNonNull("Exit_status") && job.get("Exit_status").canConvertToInt()
				? job.get("Exit_status").asInt() : null;
		Instant started = time(text(job, "stime"));
		JobState state = state(pbsState, exitStatus, started != null);
		String owner = text(job, "Job_Owner");
		String comment = text(job, "comment");
		Duration limit = hms(text(job.path("Resource_List"), "walltime"));
		JobStatus.Builder b = JobStatus.builder(jobId, state)
			.name(text(job, "Job_Name"))
			.user((owner != null && owner.contains("@")) ? owner.substring(0, owner.indexOf('@')) : owner)
			.partition(text(job, "queue"))
			.submitTime(time(text(job, "qtime")))
			.timeLimit(limit);
		switch (state) {
			case PENDING -> b.reason(pendingReason(pbsState, comment))
				.estimatedStart(time(text(job.path("estimated"), "start_time")));
			case RUNNING -> {
				Duration used = hms(text(job.path("resources_used"), "walltime"));
				b.node(firstHost(text(job, "exec_host"))).startTime(started);
				if (limit != null && used != null && limit.compareTo(used) >= 0) {
					b.timeRemaining(limit.minus(used));
				}
			}
			default -> b.node(firstHost(text(job, "exec_host")))
				.startTime(started)
				.exitCode(exitCode(exitStatus))
				.reason(endReason(state, exitStatus, comment));
		}
		return b.build();
	}

	static JobState state(String pbs, @Nullable Integer exitStatus, boolean ran) {
		return switch (pbs) {
			case "Q", "H", "W", "T", "U", "M" -> JobState.PENDING;
			// E: exiting after having run; the next query shows it finished or gone
			case "R", "B", "S", "E" -> JobState.RUNNING;
			case "F", "X" -> {
				if (!ran) {
					yield JobState.CANCELLED; // deleted (or ended) before it ever started
				}
				yield (exitStatus != null && exitStatus == 0) ? JobState.COMPLETED : JobState.FAILED;
			}
			default -> JobState.UNKNOWN;
		};
	}

	private static String pendingReason(String pbsState, @Nullable String comment) {
		String base = switch (pbsState) {
			case "H" -> "held";
			case "W" -> "waiting for its start time";
			case "T", "M" -> "being moved";
			default -> null;
		};
		if (comment == null) {
			return (base != null) ? base : "queued";
		}
		return (base != null) ? base + ": " + comment : comment;
	}

	private static @Nullable String endReason(JobState state, @Nullable Integer exitStatus, @Nullable String comment) {
		if (state == JobState.COMPLETED) {
			return null;
		}
		if (exitStatus != null && exitStatus > 256) {
			return "killed by signal " + (exitStatus - 256);
		}
		if (exitStatus != null && exitStatus < 0) {
			return "PBS could not run the job (Exit_status " + exitStatus + ")" + ((comment != null) ? ": " + comment : "");
		}
		return comment;
	}

	private static @Nullable Integer exitCode(@Nullable Integer exitStatus) {
		if (exitStatus == null || exitStatus < 0) {
			return null;
		}
		return (exitStatus > 256) ? 128 + (exitStatus - 256) : exitStatus;
	}

	/** {@code charon24/0*2+charon21/0*2} to {@code charon24}. */
	static @Nullable String firstHost(@Nullable String execHost) {
		if (execHost == null || execHost.isEmpty()) {
			return null;
		}
		String first = execHost.split("\\+", 2)[0];
		int slash = first.indexOf('/');
		return (slash > 0) ? first.substring(0, slash) : first;
	}

	private @Nullable Instant time(@Nullable String ctime) {
		if (ctime == null) {
			return null;
		}
		try {
			return LocalDateTime.parse(ctime.strip().replaceAll("\\s+", " "), CTIME).atZone(this.settings.zone()).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	static @Nullable Duration hms(@Nullable String text) {
		if (text == null || !text.matches("[0-9]{1,7}:[0-9]{2}:[0-9]{2}")) {
			return null;
		}
		String[] p = text.split(":");
		return Duration.ofSeconds(Long.parseLong(p[0]) * 3600 + Long.parseLong(p[1]) * 60 + Long.parseLong(p[2]));
	}

	private static @Nullable String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value == null || value.isNull() || value.isContainerNode()) ? null : value.asText();
	}

	/** {@code qalter -l walltime=HH:MM:SS ID}; raising it for a running job takes an operator or manager. */
	@Override
	public Optional<CommandLine> timeLimit(String jobId, Duration walltime, List<String> submitted) {
		return Optional.of(command(List.of(bin("qalter"), "-l", "walltime=" + JobSpec.hms(JobSpec.checkedWalltime(walltime)),
				checkedId(jobId))));
	}

	@Override
	public CommandLine cancel(String jobId) {
		return command(List.of(bin("qdel"), checkedId(jobId)));
	}

	@Override
	public Optional<CommandLine> accounting(String jobId) {
		return Optional.of(command(List.of(bin("qstat"), "-x", "-f", "-F", "json", checkedId(jobId))));
	}

	@Override
	public Optional<JobStatus> parseAccounting(String jobId, CommandResult result) {
		if (!result.success()) {
			return Optional.empty(); // "Unknown Job Id" once history is purged
		}
		JobStatus job = parseJobs(result.stdout()).get(jobId);
		return (job != null && job.state().isTerminal()) ? Optional.of(job) : Optional.empty();
	}

	private static String checkedId(String jobId) {
		if (!JOB_ID.matcher(jobId).matches()) {
			throw new IllegalArgumentException("malformed PBS job id");
		}
		return jobId;
	}

	private String bin(String program) {
		return this.settings.binDir().isEmpty() ? program : this.settings.binDir() + "/" + program;
	}

	private CommandLine command(List<String> argv) {
		return new CommandLine(argv, this.settings.environment(), this.settings.commandTimeout());
	}
}
