package org.portico.gateway.kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.portico.gateway.config.PorticoProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Runs kernel-tools' command line for a user, as a separate process with the user's home and
 * module path and nothing else of the gateway's environment, and returns its JSON answer.
 *
 * <p>With the local spawner every server runs as the gateway's own OS user, in
 * {@code DATA_DIR/users/NAME}, so that is the home kernel-tools works in; Jupyter started there
 * finds the kernels. Arguments are a list, never a shell string, and every value reaching it was
 * validated by the caller and is validated again by kernel-tools.
 */
@Component
public final class KernelTools {

	private static final Logger log = LoggerFactory.getLogger(KernelTools.class);

	private static final String CLI = "org.portico.kerneltools.cli.KernelCli";

	private final PorticoProperties properties;

	private final KernelsProperties kernels;

	private final ObjectMapper json;

	public KernelTools(PorticoProperties properties, KernelsProperties kernels, ObjectMapper json) {
		this.properties = properties;
		this.kernels = kernels;
		this.json = json;
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

	/** The user's home for kernels: the folder their servers start in. */
	public Path home(String user) {
		return this.properties.dataPath().resolve("users").resolve(user);
	}

	/**
	 * Runs {@code kernel-tools ARGS... --json} for {@code user}.
	 * @return emits the result (also for refusals, with kernel-tools' error JSON); errors only when
	 * the command could not run at all. Blocks on a bounded-elastic thread.
	 */
	public Mono<Result> run(String user, List<String> args) {
		return Mono.fromCallable(() -> runBlocking(user, args)).subscribeOn(Schedulers.boundedElastic());
	}

	private Result runBlocking(String user, List<String> args) throws IOException, InterruptedException {
		Path home = home(user);
		Files.createDirectories(home);
		List<String> command = new ArrayList<>(javaCommand());
		command.addAll(args);
		command.add("--json");
		ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
		Map<String, String> env = builder.environment();
		env.clear();
		env.putAll(environment(user, home));
		Path stderr = Files.createTempFile("portico-kernel-tools", ".err");
		builder.redirectError(stderr.toFile());
		Process process = builder.start();
		byte[] out;
		try {
			out = process.getInputStream().readAllBytes();
			if (!process.waitFor(this.kernels.timeout().toSeconds(), TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IOException("kernel-tools did not finish within " + this.kernels.timeout().toSeconds() + " s");
			}
		}
		finally {
			if (process.isAlive()) {
				process.destroyForcibly();
			}
		}
		String errors = Files.readString(stderr, StandardCharsets.UTF_8);
		Files.deleteIfExists(stderr);
		String text = new String(out, StandardCharsets.UTF_8).strip();
		if (text.isEmpty()) {
			throw new IOException("kernel-tools printed nothing (exit " + process.exitValue() + "): " + errors.strip());
		}
		log.debug("kernel-tools user={} argv0={} exit={}", user, args.isEmpty() ? "" : args.get(0), process.exitValue());
		return new Result(process.exitValue(), this.json.readTree(text));
	}

	/** The user's environment for kernel-tools: their home, the module path, system PATH. */
	Map<String, String> environment(String user, Path home) {
		Map<String, String> env = new LinkedHashMap<>();
		env.put("HOME", home.toString());
		env.put("USER", System.getProperty("user.name"));
		env.put("LOGNAME", System.getProperty("user.name"));
		env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
		env.put("LANG", "C.UTF-8");
		String modulePath = this.kernels.modulePath().isEmpty() ? System.getenv().getOrDefault("MODULEPATH", "") : this.kernels.modulePath();
		if (!modulePath.isEmpty()) {
			env.put("MODULEPATH", modulePath);
		}
		for (String name : List.of("LMOD_CMD", "MODULES_CMD", "LMOD_DIR")) {
			String value = System.getenv(name);
			if (value != null) {
				env.put(name, value);
			}
		}
		return env;
	}

	/**
	 * How to start kernel-tools' main class with this JVM: from a Spring Boot jar through its
	 * PropertiesLauncher (the class sits in a nested jar), otherwise from this JVM's classpath.
	 */
	static List<String> javaCommand() {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		String classpath = System.getProperty("java.class.path");
		if (isBootJar()) {
			return List.of(java, "-Xss1m", "-XX:TieredStopAtLevel=1", "-cp", classpath, "-Dloader.main=" + CLI,
					"org.springframework.boot.loader.launch.PropertiesLauncher");
		}
		return List.of(java, "-XX:TieredStopAtLevel=1", "-cp", classpath, CLI);
	}

	private static boolean isBootJar() {
		try {
			Class.forName("org.springframework.boot.loader.launch.JarLauncher");
			return true;
		}
		catch (ClassNotFoundException ex) {
			return false;
		}
	}
}
