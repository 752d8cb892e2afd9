package org.portico.spawner.sge;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.SpawnException;
import org.portico.spawner.batch.BatchScheduler;
import org.portico.spawner.batch.JobSpec;
import org.portico.spawner.batch.JobState;
import org.portico.spawner.batch.JobStatus;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * (Son of) Grid Engine, as measured on 8.1.9:
 * <ul>
 * <li>Commands are the real binaries (e.g. {@code /usr/lib/gridengine/qsub}, 0.05 s a call; Debian's
 * {@code /usr/bin} wrappers cost 0.5 s) and need {@code SGE_ROOT} and {@code SGE_CELL} in their environment.</li>
 * <li>Submit: {@code qsub -terse ...} with the script on standard input. A job refused by {@code -now y}
 * still prints a job id on standard output: only exit status 1 (and "could not be scheduled" on standard
 * error) tells the refusal.</li>
 * <li>Query: ONE {@code qstat -xml -r -u '*'}; {@code -r} adds {@code h_rt} and requested queues. A finished
 * job vanishes from qstat at once; {@code qacct -j ID} then has its exit status.</li>
 * </ul>
 * Thread-safe, no I/O.
 */
public final class SgeScheduler implements BatchScheduler {

	private static final Pattern JOB_ID = Pattern.compile("[0-9]{1,18}");

	/** One {@code NAME=VALUE} hard request as {@link #submittedResources} writes it. */
	private static final Pattern RESOURCE_REQUEST = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}=[0-9]{1,18}[KMGT]?");

	private static final Pattern SUBMITTED = Pattern.compile("([0-9]{1,18})(\\.[0-9]+-[0-9]+:[0-9]+)?");

	private static final DateTimeFormatter QACCT_TIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);

	private final Settings settings;

	/**
	 * Site settings of the adapter.
	 * @param binDir the directory of the real binaries, or {@code ""} to find them on the PATH
	 * @param environment {@code SGE_ROOT}, {@code SGE_CELL} and whatever else every command needs
	 * @param parallelEnvironment the shared-memory PE for more than one core ({@code smp}), or {@code ""}
	 * @param memoryResource the per-slot memory resource ({@code h_vmem}, {@code mem_free}), or {@code ""} to
	 * ignore memory requests
	 * @param gpuResource the consumable that counts GPUs ({@code gpu}), or {@code ""}
	 * @param zone the cell's time zone
	 * @param commandTimeout how long one command may take
	 */
	public record Settings(String binDir, Map<String, String> environment, String parallelEnvironment,
			String memoryResource, String gpuResource, ZoneId zone, Duration commandTimeout) {

		public Settings {
			Objects.requireNonNull(binDir, "binDir");
			environment = Map.copyOf(environment);
			Objects.requireNonNull(parallelEnvironment, "parallelEnvironment");
			Objects.requireNonNull(memoryResource, "memoryResource");
			Objects.requireNonNull(gpuResource, "gpuResource");
			Objects.requireNonNull(zone, "zone");
			Objects.requireNonNull(commandTimeout, "commandTimeout");
		}

		/** Debian's layout: binaries in {@code /usr/lib/gridengine}, cell {@code default}, PE smp, gpu consumable. */
		public static Settings debian() {
			return new Settings("/usr/lib/gridengine", Map.of("SGE_ROOT", "/var/lib/gridengine", "SGE_CELL", "default"), "smp",
					"", "gpu", ZoneId.systemDefault(), Duration.ofSeconds(30));
		}
	}

	public SgeScheduler(Settings settings) {
		this.settings = Objects.requireNonNull(settings, "settings");
	}

	@Override
	public String name() {
		return "sge";
	}

	@Override
	public String scriptTemplate() {
		return "batch/sge.sh.ftl";
	}

	@Override
	public String nodeNameVariable() {
		// Grid Engine sets HOSTNAME to the execution host's name (bash keeps an inherited HOSTNAME).
		return "HOSTNAME";
	}

	@Override
	public boolean supportsImmediate() {
		return true;
	}

	@Override
	public CommandLine submit(JobSpec spec) {
		List<String> argv = new ArrayList<>(List.of(bin("qsub"), "-terse", "-N", spec.jobName(), "-wd",
				sgePath(spec.workDir().toString()), "-o", sgePath(spec.outputFile().toString()), "-j", "y", "-S", "/bin/bash",
				"-l", "h_rt=" + spec.walltime().toSeconds()));
		if (spec.queue() != null || spec.nodeList() != null) {
			argv.add("-q");
			argv.add(queueList(spec));
		}
		if (spec.account() != null) {
			argv.add("-A");
			argv.add(spec.account());
		}
		if (spec.cores() > 1) {
			if (this.settings.parallelEnvironment().isEmpty()) {
				throw new IllegalArgumentException("this site's Grid Engine offers no parallel environment for several cores");
			}
			argv.add("-pe");
			argv.add(this.settings.parallelEnvironment());
			argv.add(Integer.toString(spec.cores()));
		}
		if (spec.memoryMiB() > 0 && !this.settings.memoryResource().isEmpty()) {
			argv.add("-l");
			argv.add(this.settings.memoryResource() + "=" + memoryPerSlot(spec) + "M");
		}
		if (spec.gres() != null) {
			throw new IllegalArgumentException("generic resources (gres) are a Slurm request; ask for gpus instead");
		}
		if (spec.gpus() > 0) {
			if (this.settings.gpuResource().isEmpty()) {
				throw new IllegalArgumentException("this site's Grid Engine has no GPU resource");
			}
			argv.add("-l");
			argv.add(this.settings.gpuResource() + "=" + spec.gpus());
		}
		if (spec.immediate()) {
			argv.add("-now");
			argv.add("y");
		}
		return command(argv);
	}

	/** {@code queue}, {@code queue@node}, or {@code *@node}, comma-separated for several nodes. */
	private static String queueList(JobSpec spec) {
		String queue = (spec.queue() != null) ? spec.queue() : "*";
		if (spec.nodeList() == null) {
			return queue;
		}
		if (spec.nodeList().contains("[")) {
			throw new IllegalArgumentException("Grid Engine takes node names, not host-list ranges");
		}
		List<String> instances = new ArrayList<>();
		for (String node : spec.nodeList().split(",")) {
			if (!node.isEmpty()) {
				instances.add(queue + "@" + node);
			}
		}
		return String.join(",", instances);
	}

	/** qsub reads {@code host:path} and expands {@code $VAR} in -o/-wd paths: refuse both rather than guess. */
	private static String sgePath(String path) {
		if (path.contains(":") || path.contains("$")) {
			throw new IllegalArgumentException("Grid Engine paths must not hold ':' or '$'");
		}
		return path;
	}

	@Override
	public String parseJobId(CommandResult result) {
		String first = result.stdout().strip().lines().findFirst().orElse("");
		Matcher m = SUBMITTED.matcher(first);
		// A refused "-now y" job still prints an id: the exit status decides.
		if (!result.success() || !m.matches()) {
			throw new SpawnException("submit", "Grid Engine refused the job: " + result.message(500),
					"qsub failed exit=" + result.exitCode() + " timedOut=" + result.timedOut());
		}
		return m.group(1);
	}

	@Override
	public CommandLine queryAll() {
		return command(List.of(bin("qstat"), "-xml", "-r", "-u", "*"));
	}

	@Override
	public Map<String, JobStatus> parseQueryAll(CommandResult result) {
		if (!result.success()) {
			throw new IllegalArgumentException("qstat failed: " + result.message(200));
		}
		Document document = parseXml(result.stdout());
		Element root = document.getDocumentElement();
		if (!"job_info".equals(root.getTagName())) {
			throw new IllegalArgumentException("unexpected qstat -xml root element");
		}
		Map<String, JobStatus> jobs = new LinkedHashMap<>();
		NodeList lists = root.getElementsByTagName("job_list");
		for (int i = 0; i < lists.getLength(); i++) {
			JobStatus job = parseJob((Element) lists.item(i));
			jobs.put(job.jobId(), job);
		}
		return jobs;
	}

	private JobStatus parseJob(Element job) {
		String id = text(job, "JB_job_number");
		if (id == null || !JOB_ID.matcher(id).matches()) {
			throw new IllegalArgumentException("qstat job without a valid number");
		}
		String sgeState = Objects.requireNonNullElse(text(job, "state"), "");
		JobState state = state(sgeState);
		String queueInstance = text(job, "queue_name");
		String node = null;
		String queue = null;
		if (queueInstance != null && queueInstance.contains("@")) {
			queue = queueInstance.substring(0, queueInstance.indexOf('@'));
			node = queueInstance.substring(queueInstance.indexOf('@') + 1);
		}
		String requestedQueue = text(job, "hard_req_queue");
		String name = text(job, "full_job_name");
		JobStatus.Builder b = JobStatus.builder(id, state)
			.name((name != null) ? name : text(job, "JB_name"))
			.user(text(job, "JB_owner"))
			.partition((requestedQueue != null) ? requestedQueue : queue)
			.priority(priority(text(job, "JAT_prio")))
			.submitTime(time(text(job, "JB_submission_time")))
			.timeLimit(hardRequestSeconds(job, "h_rt"));
		if (state == JobState.RUNNING || state == JobState.CANCELLED) {
			b.node(node).startTime(time(text(job, "JAT_start_time")));
		}
		if (state == JobState.PENDING) {
			b.reason(sgeState.contains("h") ? "held (" + sgeState + ")" : "waiting for free slots (" + sgeState + ")");
		}
		if (state == JobState.FAILED) {
			b.reason("error state " + sgeState + ": the job cannot start (see qstat -j " + id + ")");
		}
		return b.build();
	}

	static JobState state(String sge) {
		if (sge.contains("E")) {
			return JobState.FAILED;
		}
		if (sge.contains("d")) {
			return JobState.CANCELLED;
		}
		if (sge.contains("r") || sge.contains("t") || sge.contains("R") || sge.contains("s") || sge.contains("S")
				|| sge.contains("T")) {
			return JobState.RUNNING;
		}
		if (sge.contains("q") || sge.contains("w") || sge.contains("h")) {
			return JobState.PENDING;
		}
		return JobState.UNKNOWN;
	}

	private @Nullable Duration hardRequestSeconds(Element job, String resource) {
		NodeList requests = job.getElementsByTagName("hard_request");
		for (int i = 0; i < requests.getLength(); i++) {
			Element request = (Element) requests.item(i);
			if (resource.equals(request.getAttribute("name"))) {
				String value = request.getTextContent().strip();
				if (value.matches("[0-9]{1,12}")) {
					return Duration.ofSeconds(Long.parseLong(value));
				}
				String[] hms = value.split(":");
				if (hms.length == 3 && value.matches("[0-9]+:[0-9]{1,2}:[0-9]{1,2}")) {
					return Duration.ofSeconds(Long.parseLong(hms[0]) * 3600 + Long.parseLong(hms[1]) * 60 + Long.parseLong(hms[2]));
				}
			}
		}
		return null;
	}

	private static long priority(@Nullable String prio) {
		try {
			return (prio == null) ? 0 : Math.round(Double.parseDouble(prio) * 1_000_000);
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	private @Nullable Instant time(@Nullable String text) {
		if (text == null || text.isEmpty()) {
			return null;
		}
		try {
			return LocalDateTime.parse(text).atZone(this.settings.zone()).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	private static @Nullable String text(Element parent, String tag) {
		for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
			if (child instanceof Element element && tag.equals(element.getTagName())) {
				String text = element.getTextContent().strip();
				return text.isEmpty() ? null : text;
			}
		}
		return null;
	}

	private static Document parseXml(String xml) {
		try {
			DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
			// qstat output is data, never a place for DTDs or external entities.
			factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
			factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
			factory.setXIncludeAware(false);
			factory.setExpandEntityReferences(false);
			factory.setNamespaceAware(false);
			DocumentBuilder builder = factory.newDocumentBuilder();
			builder.setErrorHandler(null);
			return builder.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
		}
		catch (Exception ex) {
			throw new IllegalArgumentException("qstat -xml output is not well-formed XML: " + ex.getMessage(), ex);
		}
	}

	/**
	 * {@code qalter -l h_rt=SECONDS[,MEMORY=..M,GPU=N] ID}: {@code qalter -l} replaces the job's whole list of
	 * hard requests, so the memory and GPU requests of the submission ({@link #submittedResources}) go with it
	 * (measured on 8.1.9: without {@code gpu=1} a running job's change is refused, "former resource request on
	 * consumable "gpu" of running job missing in new resource request").
	 */
	@Override
	public Optional<CommandLine> timeLimit(String jobId, Duration walltime, List<String> submitted) {
		StringBuilder requests = new StringBuilder("h_rt=" + JobSpec.checkedWalltime(walltime).toSeconds());
		for (String request : submitted) {
			if (!RESOURCE_REQUEST.matcher(request).matches() || request.startsWith("h_rt=")) {
				throw new IllegalArgumentException("unexpected resource request in the job's state");
			}
			requests.append(',').append(request);
		}
		return Optional.of(command(List.of(bin("qalter"), "-l", requests.toString(), checkedId(jobId))));
	}

	@Override
	public List<String> submittedResources(JobSpec spec) {
		List<String> requests = new ArrayList<>();
		if (spec.memoryMiB() > 0 && !this.settings.memoryResource().isEmpty()) {
			requests.add(this.settings.memoryResource() + "=" + memoryPerSlot(spec) + "M");
		}
		if (spec.gpus() > 0 && !this.settings.gpuResource().isEmpty()) {
			requests.add(this.settings.gpuResource() + "=" + spec.gpus());
		}
		return requests;
	}

	private static long memoryPerSlot(JobSpec spec) {
		return (spec.memoryMiB() + spec.cores() - 1) / spec.cores();
	}

	@Override
	public CommandLine cancel(String jobId) {
		return command(List.of(bin("qdel"), checkedId(jobId)));
	}

	@Override
	public Optional<CommandLine> accounting(String jobId) {
		return Optional.of(command(List.of(bin("qacct"), "-j", checkedId(jobId))));
	}

	@Override
	public Optional<JobStatus> parseAccounting(String jobId, CommandResult result) {
		if (!result.success()) {
			return Optional.empty(); // "error: job id N not found": not (yet) flushed to the accounting file
		}
		// Several records are possible (a rerun job): the last one counts.
		Map<String, String> record = new LinkedHashMap<>();
		for (String line : result.stdout().split("\n")) {
			if (line.startsWith("====")) {
				record.clear();
				continue;
			}
			String[] kv = line.strip().split("\\s+", 2);
			if (kv.length == 2) {
				record.put(kv[0], kv[1].strip());
			}
		}
		if (!jobId.equals(record.get("jobnumber"))) {
			return Optional.empty();
		}
		String failed = record.getOrDefault("failed", "0");
		// e.g. "3", or "137                  (Killed)"
		Matcher exit = Pattern.compile("([0-9]{1,3})\\b.*").matcher(record.getOrDefault("exit_status", ""));
		Integer exitCode = exit.matches() ? Integer.valueOf(exit.group(1)) : null;
		boolean failedStart = !failed.startsWith("0");
		JobState state = (failedStart || (exitCode != null && exitCode != 0)) ? JobState.FAILED : JobState.COMPLETED;
		String host = record.get("hostname");
		return Optional.of(JobStatus.builder(jobId, state)
			.name(record.get("jobname"))
			.user(record.get("owner"))
			.partition(record.get("qname"))
			.node(host)
			.startTime(qacctTime(record.get("start_time")))
			.exitCode(exitCode)
			.reason(failedStart ? "failed " + failed + ((exitCode != null) ? ", exit status " + exitCode : "") : null)
			.build());
	}

	private @Nullable Instant qacctTime(@Nullable String text) {
		if (text == null) {
			return null;
		}
		try {
			return LocalDateTime.parse(text.replaceAll("\\s+", " "), QACCT_TIME).atZone(this.settings.zone()).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	private static String checkedId(String jobId) {
		if (!JOB_ID.matcher(jobId).matches()) {
			throw new IllegalArgumentException("malformed Grid Engine job id");
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
