package org.portico.kerneltools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The static launcher script and the {@code argv} that runs it.
 *
 * <p>The script ({@value #FILE_NAME}, a resource of this package) is copied unchanged into each
 * kernel's folder; a kernel's values are separate {@code argv} elements after it. Jupyter starts
 * {@code argv} without a shell, and the script only expands them inside double quotes, so no value
 * is ever read as code. {@code /bin/sh} runs it, so it works on a file system mounted
 * {@code noexec} and needs no execute bit.
 */
final class Launcher {

	/** The launcher's file name in a kernel's folder. */
	static final String FILE_NAME = "portico-kernel-launcher.sh";

	/** The shell that runs it: POSIX sh, present on every node. */
	static final String SHELL = "/bin/sh";

	/** Jupyter's placeholder for the connection file. */
	static final String CONNECTION_FILE = "{connection_file}";

	private static final String SCRIPT = load();

	/** Exit codes of the launcher, as its header documents them. */
	static final int USAGE = 2;

	static final int MODULE_TOOL_MISSING = 3;

	static final int MODULE_LOAD_FAILED = 4;

	static final int MODULES_DIFFER = 5;

	static final int INTERPRETER_MISSING = 6;

	static final int IPYKERNEL_MISSING = 7;

	static final int ENVIRONMENT_MISSING = 8;

	private Launcher() {
	}

	/** The script's text, the same for every kernel. */
	static String script() {
		return SCRIPT;
	}

	/**
	 * The {@code argv} of a kernel: {@code /bin/sh LAUNCHER --name NAME [module options]
	 * [environment options] --python PYTHON -f {connection_file} [-- MODULE...]}.
	 * @param launcher where the launcher is (in the kernel's final folder)
	 * @param modules the modules with their pinned names, or null
	 */
	static List<String> argv(Path launcher, KernelName name, PorticoMetadata.@Nullable Modules modules,
			PythonEnvironment environment, Path python) {
		List<String> argv = new ArrayList<>(List.of(SHELL, launcher.toString(), "--name", name.value()));
		if (modules != null) {
			argv.addAll(List.of("--module-system", modules.system(), "--module-cmd", modules.command(), "--modulepath",
					modules.modulePath()));
		}
		argv.addAll(environment.launcherArguments());
		argv.addAll(List.of("--python", python.toString(), "-f", CONNECTION_FILE));
		if (modules != null) {
			argv.add("--");
			argv.addAll(modules.resolved());
		}
		return List.copyOf(argv);
	}

	/**
	 * The same command in check mode: {@code -f {connection_file}} replaced by {@code --check},
	 * Jupyter's <code>{resource_dir}</code> by the kernel's folder.
	 * @param argv a kernel's argv
	 * @param directory the kernel's folder
	 * @return the check command, or null if {@code argv} is not a launcher command
	 */
	static @Nullable List<String> checkArgv(List<String> argv, Path directory) {
		if (argv.size() < 2 || !argv.get(0).equals(SHELL)) {
			return null;
		}
		List<String> check = new ArrayList<>();
		boolean replaced = false;
		for (int i = 0; i < argv.size(); i++) {
			String arg = argv.get(i);
			if (!replaced && arg.equals("-f") && i + 1 < argv.size() && argv.get(i + 1).equals(CONNECTION_FILE)) {
				check.add("--check");
				replaced = true;
				i++;
			}
			else {
				check.add(arg.replace("{resource_dir}", directory.toString()));
			}
		}
		return replaced ? List.copyOf(check) : null;
	}

	/**
	 * The launcher's path in a kernel's argv.
	 * @return the second element when the first is {@value #SHELL}, else null
	 */
	static @Nullable Path launcherOf(List<String> argv, Path directory) {
		if (argv.size() < 2 || !argv.get(0).equals(SHELL)) {
			return null;
		}
		return Path.of(argv.get(1).replace("{resource_dir}", directory.toString()));
	}

	/**
	 * Runs the launcher in check mode: it loads the modules, activates the environment and imports
	 * ipykernel exactly as at kernel start, then reports.
	 * @param checkArgv from {@link #checkArgv}
	 * @param environment the environment to start from, as Jupyter's would be
	 * @param timeout how long it may take
	 * @return its report
	 */
	static Report check(List<String> checkArgv, Map<String, String> environment, Duration timeout) {
		ChildProcess.Result result = ChildProcess.run(checkArgv, environment, timeout);
		Map<String, String> values = new LinkedHashMap<>();
		for (String line : result.stdout().split("\n")) {
			int equals = line.indexOf('=');
			if (equals > 0) {
				values.putIfAbsent(line.substring(0, equals), line.substring(equals + 1));
			}
		}
		String message = clean(result.stderr());
		if (result.timedOut()) {
			message = "the launcher did not finish within " + timeout.toSeconds() + " s and was killed"
					+ (message.isEmpty() ? "" : "; it said: " + message);
		}
		return new Report(result.exitCode(), values, message);
	}

	/**
	 * What a check-mode run reported.
	 *
	 * @param exitCode the launcher's exit code (-1 if it timed out)
	 * @param values its {@code key=value} lines: {@code python}, {@code loaded}, {@code version},
	 * {@code prefix}, {@code ipykernel}
	 * @param message its error output, cleaned
	 */
	record Report(int exitCode, Map<String, String> values, String message) {

		Report {
			values = Map.copyOf(values);
			Objects.requireNonNull(message, "message");
		}

		boolean ok() {
			return this.exitCode == 0;
		}

		String value(String key) {
			return this.values.getOrDefault(key, "");
		}

		/** The launcher's last line ({@code portico kernel NAME: ...}), or its whole message. */
		String summary() {
			String[] lines = this.message.split("\n");
			for (int i = lines.length - 1; i >= 0; i--) {
				if (lines[i].startsWith("portico kernel ")) {
					return lines[i];
				}
			}
			return this.message;
		}

	}

	/** Error output for a user: no terminal colour codes, no runs of blank lines, bounded. */
	static String clean(String text) {
		String plain = text.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "")
			.replace("\r", "")
			.replaceAll("[ \t]+\n", "\n")
			.replaceAll("\n{3,}", "\n\n")
			.strip();
		return (plain.length() <= 4000) ? plain : plain.substring(0, 4000) + " [...]";
	}

	private static String load() {
		try (InputStream in = Launcher.class.getResourceAsStream(FILE_NAME)) {
			if (in == null) {
				throw new IllegalStateException(FILE_NAME + " is missing from kernel-tools' jar");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
