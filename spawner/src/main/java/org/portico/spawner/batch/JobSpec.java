package org.portico.spawner.batch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.exec.CommandPrefix;

/**
 * Everything a scheduler adapter and a job-script template need to submit one server job. The compact
 * constructor rejects, with {@link IllegalArgumentException}, every value that is not plainly safe, so no
 * command is built from a hostile form value; messages name the field, never echo the value.
 *
 * <p>{@code callbackSecret} and the values of {@code environment} are secrets: {@link #toString()} omits them
 * and nothing may log them.
 *
 * @param user the OS user the job runs as
 * @param jobName the job's name; begins with the site's Portico prefix so that Portico's jobs can be found
 * @param queue the partition (Slurm) or queue (PBS, SGE), {@code null} for the scheduler's default
 * @param account the account or project to charge, {@code null} for the default
 * @param cores CPU cores for the server
 * @param memoryMiB memory in MiB, 0 for the scheduler's default
 * @param gpus GPUs, 0 for none (ignored when {@code gres} is given)
 * @param gres a Slurm-style generic resource request such as {@code gpu:a100:1} or {@code shard:1}
 * @param walltime the time limit
 * @param immediate start now or give up
 * @param workDir where the server starts
 * @param outputFile where the job's standard output and error go
 * @param nodeList the node(s) to run on, {@code null} for any
 * @param environment the server's environment (secrets included)
 * @param command the server's argument list; {@value SpawnRequest#PORT} stands for the port the job picks
 * @param callbackUrl where the job reports its host and port
 * @param callbackSecret the per-spawn secret the job presents there
 * @param startTimeout how long the server may take to start listening, once the job runs
 * @param pins variables that pin a placement seat's share (thread counts, {@code CUDA_VISIBLE_DEVICES}); no
 * secrets: the template exports them in the script itself, where an admin can read them
 * @param oversubscribe whether the job shares its node's cores with other jobs (a placement pool's seat)
 */
public record JobSpec(String user, String jobName, @Nullable String queue, @Nullable String account, int cores,
		long memoryMiB, int gpus, @Nullable String gres, Duration walltime, boolean immediate, Path workDir,
		Path outputFile, @Nullable String nodeList, Map<String, String> environment, List<String> command,
		URI callbackUrl, String callbackSecret, Duration startTimeout, Map<String, String> pins, boolean oversubscribe) {

	/** Values of {@link #pins}: numbers, device lists and limits such as {@code 0,1} or {@code 0=20480M}. */
	static final Pattern PIN_VALUE = Pattern.compile("[A-Za-z0-9,=._:-]{1,64}");

	/** Queue, partition and account names. */
	static final Pattern NAME_TOKEN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}");

	/** Job names: what all three schedulers accept. */
	static final Pattern JOB_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,62}");

	/** Node names and Slurm host lists such as {@code n[01-04],gpu7}. */
	static final Pattern NODE_LIST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.,\\[\\]-]{0,255}");

	/** Generic resources such as {@code gpu:a100:2,shard:1}. */
	static final Pattern GRES = Pattern.compile("[A-Za-z][A-Za-z0-9_.:,=+-]{0,127}");

	static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

	static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{32,128}");

	/** The longest walltime accepted at all (sites set their own, lower, limit in {@link BatchLimits}). */
	public static final Duration MAX_WALLTIME = Duration.ofDays(366);

	public JobSpec {
		require(CommandPrefix.isValidUserName(Objects.requireNonNull(user, "user")), "user is not a valid user name");
		require(JOB_NAME.matcher(Objects.requireNonNull(jobName, "jobName")).matches(),
				"job name may only hold letters, digits, '_', '.' and '-'");
		require(queue == null || NAME_TOKEN.matcher(queue).matches(),
				"queue may only hold letters, digits, '_', '.', '+' and '-'");
		require(account == null || NAME_TOKEN.matcher(account).matches(),
				"account may only hold letters, digits, '_', '.', '+' and '-'");
		require(cores >= 1 && cores <= 100_000, "cores out of range");
		require(memoryMiB >= 0 && memoryMiB <= 64L * 1024 * 1024 * 1024, "memory out of range");
		require(gpus >= 0 && gpus <= 1024, "gpus out of range");
		require(gres == null || GRES.matcher(gres).matches(), "gres may only hold letters, digits and _.:,=+-");
		Objects.requireNonNull(walltime, "walltime");
		require(!walltime.isNegative() && !walltime.isZero() && walltime.compareTo(MAX_WALLTIME) <= 0,
				"walltime out of range");
		requirePath(workDir, "working directory");
		requirePath(outputFile, "output file");
		require(nodeList == null || NODE_LIST.matcher(nodeList).matches(), "node list holds unexpected characters");
		environment = Map.copyOf(environment);
		environment.forEach((name, value) -> {
			require(ENV_NAME.matcher(name).matches(), "environment variable names must be identifiers");
			require(value.indexOf('\0') < 0, "environment values must not hold NUL");
		});
		command = List.copyOf(command);
		require(!command.isEmpty(), "empty command");
		command.forEach((arg) -> require(arg.indexOf('\0') < 0, "command arguments must not hold NUL"));
		Objects.requireNonNull(callbackUrl, "callbackUrl");
		require(callbackUrl.isAbsolute() && ("http".equals(callbackUrl.getScheme()) || "https".equals(callbackUrl.getScheme()))
				&& callbackUrl.getHost() != null && isPlain(callbackUrl.toString()), "callback URL must be an absolute http(s) URL");
		require(SECRET.matcher(Objects.requireNonNull(callbackSecret, "callbackSecret")).matches(),
				"callback secret must be 32 to 128 URL-safe characters");
		Objects.requireNonNull(startTimeout, "startTimeout");
		require(!startTimeout.isNegative() && !startTimeout.isZero(), "start timeout must be positive");
		pins = Map.copyOf(pins);
		pins.forEach((name, value) -> {
			require(ENV_NAME.matcher(name).matches(), "pinned variable names must be identifiers");
			require(PIN_VALUE.matcher(value).matches(), "pinned variable values may only hold letters, digits and ,=._:-");
		});
	}

	/** A job without a placement seat: no pins, no oversubscription. */
	public JobSpec(String user, String jobName, @Nullable String queue, @Nullable String account, int cores, long memoryMiB,
			int gpus, @Nullable String gres, Duration walltime, boolean immediate, Path workDir, Path outputFile,
			@Nullable String nodeList, Map<String, String> environment, List<String> command, URI callbackUrl,
			String callbackSecret, Duration startTimeout) {
		this(user, jobName, queue, account, cores, memoryMiB, gpus, gres, walltime, immediate, workDir, outputFile, nodeList,
				environment, command, callbackUrl, callbackSecret, startTimeout, Map.of(), false);
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

	private static void requirePath(Path path, String what) {
		Objects.requireNonNull(path, what);
		require(path.isAbsolute(), what + " must be an absolute path");
		require(isPlain(path.toString()), what + " must not hold control characters");
	}

	/** No control characters (newlines, NUL, escape, DEL). */
	static boolean isPlain(String text) {
		return text.chars().noneMatch((c) -> c < 0x20 || c == 0x7f);
	}

	/** The walltime in whole minutes, rounded up. */
	public long walltimeMinutes() {
		return minutes(this.walltime);
	}

	/** The walltime as {@code HH:MM:SS} (hours may exceed 24), as PBS and SGE take it. */
	public String walltimeHms() {
		return hms(this.walltime);
	}

	/** A walltime in whole minutes, rounded up, as Slurm takes it. */
	public static long minutes(Duration walltime) {
		return (walltime.toSeconds() + 59) / 60;
	}

	/** A walltime as {@code HH:MM:SS} (hours may exceed 24). */
	public static String hms(Duration walltime) {
		long s = walltime.toSeconds();
		return String.format("%02d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
	}

	/**
	 * Checks a time limit as a submission would.
	 * @throws IllegalArgumentException unless more than zero and at most {@link #MAX_WALLTIME}
	 */
	public static Duration checkedWalltime(Duration walltime) {
		Objects.requireNonNull(walltime, "walltime");
		require(!walltime.isNegative() && !walltime.isZero() && walltime.compareTo(MAX_WALLTIME) <= 0, "walltime out of range");
		return walltime;
	}

	@Override
	public String toString() {
		// Never the secret nor the environment's values.
		return "JobSpec[user=" + this.user + ", jobName=" + this.jobName + ", queue=" + this.queue + ", account="
				+ this.account + ", cores=" + this.cores + ", memoryMiB=" + this.memoryMiB + ", gpus=" + this.gpus
				+ ", gres=" + this.gres + ", walltime=" + this.walltime + ", immediate=" + this.immediate + ", nodeList="
				+ this.nodeList + ", environment=" + new java.util.TreeSet<>(this.environment.keySet()) + ", command="
				+ this.command + ", pins=" + new java.util.TreeMap<>(this.pins) + ", oversubscribe=" + this.oversubscribe + "]";
	}
}
