package org.portico.gateway.kernels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.app.AppRuntime;
import org.portico.gateway.batch.BatchPlacements;
import org.portico.gateway.config.PorticoProperties;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandPrefix;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.CommandRunner;
import org.portico.spawner.exec.LocalCommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Runs kernel-tools' command line for a user, as a separate process with the user's home and module
 * path and nothing else of the gateway's environment, and returns its JSON answer.
 *
 * <p>Where the user's servers run decides where their kernels live and as whom kernel-tools runs
 * ({@code portico.kernels.run-as}): local servers run as the gateway's own OS user in
 * {@code DATA_DIR/users/NAME}, so kernel-tools runs as the gateway there; batch jobs run under the
 * user's own account in their real home, so kernel-tools runs as the user (the batch scheduler's
 * {@code runuser}/{@code sudo} prefix) and the gateway never writes into a user's home with its own
 * rights. Either way it runs the runnable jar Portico publishes with its runtime files, which every user
 * can read. Arguments are a list, never a shell string, and every value reaching it was validated by the
 * caller and is validated again by kernel-tools.
 */
@Component
public final class KernelTools {

	private static final Logger log = LoggerFactory.getLogger(KernelTools.class);

	private final KernelsProperties kernels;

	private final ObjectMapper json;

	private final CommandRunner runner = LocalCommandRunner.defaults();

	private final Path dataDir;

	private final Path jar;

	private final @Nullable CommandPrefix asUser;

	private final BatchPlacements batch;

	public KernelTools(PorticoProperties properties, KernelsProperties kernels, ObjectMapper json, AppRuntime runtime,
			BatchPlacements batch) {
		this.kernels = kernels;
		this.json = json;
		this.dataDir = properties.dataPath();
		this.batch = batch;
		CommandPrefix prefix = batch.userPrefix();
		boolean runAsUser = switch (kernels.runAs()) {
			case "user" -> true;
			case "gateway" -> false;
			default -> prefix != null;
		};
		if (runAsUser && (prefix == null || batch.runtimeDir() == null)) {
			throw new IllegalStateException("portico.kernels.run-as=user needs an enabled batch scheduler (its command prefix and runtime dir)");
		}
		this.asUser = runAsUser ? prefix : null;
		this.jar = (runAsUser ? batch.runtimeDir() : runtime.dir()).resolve(AppRuntime.KERNEL_TOOLS_JAR);
		log.info("kernel-tools runs {}", runAsUser ? "as each user, in their home" : "as the gateway, in DATA_DIR/users/NAME");
	}

	/**
	 * The outcome of one command.
	 *
	 * @param exitCode kernel-tools' exit code (0 done, 1 failed, 2 refused input, 3 check found a problem)
	 * @param body its JSON answer
	 */
	public record Result(int exitCode, JsonNode body) {

		public boolean ok() {
			return this.exitCode == 0 || (this.exitCode == 3 && !this.body.has("error"));
		}
	}

	/** Whether kernel-tools runs as each user in their own home (servers run as batch jobs under their accounts). */
	public boolean runsAsUser() {
		return this.asUser != null;
	}

	/** The user's home for kernels: the folder their servers start in. */
	public Path home(String user) {
		return (this.asUser != null) ? this.batch.home(user) : this.dataDir.resolve("users").resolve(user);
	}

	/**
	 * Runs {@code kernel-tools ARGS... --json} for {@code user}.
	 * @return emits the result (also for refusals, with kernel-tools' error JSON); signals
	 * {@link KernelService.KernelRefused} for a user without a usable home, and an {@link IOException} when
	 * the command could not run or answered no JSON. Never blocks the caller: the runner waits on
	 * bounded-elastic threads.
	 */
	public Mono<Result> run(String user, List<String> args) {
		return Mono.defer(() -> {
			Path home;
			try {
				home = home(user);
			}
			catch (IllegalArgumentException ex) {
				return Mono.error(new KernelService.KernelRefused(HttpStatus.BAD_REQUEST,
						"Kernels need an account on the cluster, and '" + user + "' is not a valid account name there.", null));
			}
			CommandLine command = command(user, home, args);
			if (this.asUser != null) {
				if (!Files.isDirectory(home)) {
					return Mono.error(new KernelService.KernelRefused(HttpStatus.CONFLICT,
							"Your home directory " + home + " does not exist on this system; kernels live there.", null));
				}
				command = this.asUser.apply(command, user);
			}
			else {
				createDirectories(home);
			}
			return this.runner.run(command).map((result) -> answer(user, args, result));
		});
	}

	private CommandLine command(String user, Path home, List<String> args) {
		List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xss1m", "-jar", this.jar.toString()));
		argv.addAll(args);
		argv.add("--json");
		return new CommandLine(argv, environment(user, home), this.kernels.timeout());
	}

	private Result answer(String user, List<String> args, CommandResult result) {
		String text = result.stdout().strip();
		if (result.timedOut() || text.isEmpty()) {
			throw new UncheckedIOException(new IOException(
					"kernel-tools " + (result.timedOut() ? "did not finish" : "printed nothing") + " (exit " + result.exitCode() + "): "
							+ result.message(500)));
		}
		log.debug("kernel-tools user={} argv0={} exit={}", user, args.isEmpty() ? "" : args.get(0), result.exitCode());
		try {
			return new Result(result.exitCode(), this.json.readTree(text));
		}
		catch (JsonProcessingException ex) {
			throw new UncheckedIOException(new IOException("kernel-tools answered no JSON (exit " + result.exitCode() + ")", ex));
		}
	}

	/** The user's environment for kernel-tools: their name and home, the module path, a system PATH. */
	Map<String, String> environment(String user, Path home) {
		String name = (this.asUser != null) ? user : System.getProperty("user.name");
		Map<String, String> env = new LinkedHashMap<>();
		env.put("HOME", home.toString());
		env.put("USER", name);
		env.put("LOGNAME", name);
		env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
		env.put("LANG", "C.UTF-8");
		env.put("LC_ALL", "C.UTF-8");
		String modulePath = this.kernels.modulePath().isEmpty() ? System.getenv().getOrDefault("MODULEPATH", "") : this.kernels.modulePath();
		if (!modulePath.isEmpty()) {
			env.put("MODULEPATH", modulePath);
		}
		for (String variable : List.of("LMOD_CMD", "MODULES_CMD", "LMOD_DIR")) {
			String value = System.getenv(variable);
			if (value != null) {
				env.put(variable, value);
			}
		}
		return env;
	}

	private static void createDirectories(Path home) {
		try {
			Files.createDirectories(home);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot create " + home, ex);
		}
	}
}
