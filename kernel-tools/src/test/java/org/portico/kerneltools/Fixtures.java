package org.portico.kerneltools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.portico.envmodules.ModuleSystemKind;
import org.portico.envmodules.ToolLocation;

import static org.assertj.core.api.Assertions.fail;

/**
 * The real things the tests need, made fresh in temporary folders: module trees (from the shared
 * {@code schedulers/modules-fixture.sh}), the module tools, real virtualenvs made by Debian's
 * {@code /usr/bin/python3 -m venv --system-site-packages} (so Debian's ipykernel is importable:
 * pip has no network here), a conda-style environment and a pyenv-style version.
 *
 * <p>The shared folder comes from {@code portico.shared.dir} / {@code PORTICO_SHARED_DIR}, else
 * {@code ../shared} beside the repository; Lmod from {@code portico.lmod.cmd} /
 * {@code PORTICO_LMOD_CMD} (else {@code LMOD_CMD}, else Debian's path); Environment Modules from
 * {@code portico.envmodules.home} / {@code PORTICO_ENVMODULES_HOME} (else
 * {@value #DEFAULT_ENVMODULES_HOME}), which is where {@code ./portico test} installs them. A
 * missing tool fails the test: these tests never skip.
 */
final class Fixtures {

	static final String SYSTEM_PYTHON = "/usr/bin/python3";

	static final String DEFAULT_LMOD_CMD = "/usr/share/lmod/lmod/libexec/lmod";

	static final String DEFAULT_ENVMODULES_HOME = "/opt/portico-test/envmodules";

	private Fixtures() {
	}

	/** A clean environment like a job's: a plain PATH, a private HOME, nothing of the JVM's. */
	static Map<String, String> baseEnvironment(Path home) {
		Map<String, String> env = new HashMap<>();
		env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
		env.put("HOME", home.toString());
		env.put("LANG", "C.UTF-8");
		return env;
	}

	static ToolLocation lmod() {
		String cmd = setting("portico.lmod.cmd", "PORTICO_LMOD_CMD");
		if (cmd == null) {
			cmd = (System.getenv("LMOD_CMD") != null) ? System.getenv("LMOD_CMD") : DEFAULT_LMOD_CMD;
		}
		return existing(new ToolLocation(ModuleSystemKind.LMOD, Path.of(cmd)), "apt-get install -y lmod (./portico test does)");
	}

	static ToolLocation environmentModules() {
		String home = setting("portico.envmodules.home", "PORTICO_ENVMODULES_HOME");
		Path cmd = Path.of((home != null) ? home : DEFAULT_ENVMODULES_HOME, "usr/lib/modulecmd.tcl");
		return existing(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES, cmd),
				"./portico test unpacks environment-modules there");
	}

	/**
	 * Writes the shared module fixture ({@code tcl/} and {@code lua/} trees with {@code cuda/12.4}
	 * and {@code python/3.11}) into {@code root}, plus {@code broken/1.0} (errors) and
	 * {@code other/1.0} (conflicts with cuda) in both languages.
	 */
	static void moduleTree(Path root) throws IOException, InterruptedException {
		Path script = sharedDir().resolve("schedulers/modules-fixture.sh");
		if (!Files.isRegularFile(script)) {
			fail("modules-fixture.sh not found at " + script + "; set PORTICO_SHARED_DIR to the shared folder");
		}
		Result result = run(List.of("/bin/bash", script.toString(), root.toString()), Map.of("PATH", "/usr/bin:/bin"),
				Duration.ofSeconds(30));
		if (result.exitCode() != 0) {
			fail(script + " failed with exit code " + result.exitCode() + ": " + result.output());
		}
		write(root.resolve("tcl/broken/1.0"), "#%Module1.0\nerror \"broken on purpose\"\n");
		write(root.resolve("tcl/other/1.0"), "#%Module1.0\nconflict cuda\nsetenv OTHER 1\n");
		write(root.resolve("lua/broken/1.0.lua"), "LmodError(\"broken on purpose\")\n");
		write(root.resolve("lua/other/1.0.lua"), "conflict(\"cuda\")\nsetenv(\"OTHER\", \"1\")\n");
	}

	/**
	 * A real virtualenv made by Debian's Python. With system site-packages it sees Debian's
	 * ipykernel; without, it has no ipykernel at all. No pip: it is not needed and would cost
	 * seconds per venv.
	 */
	static Path venv(Path dir, boolean systemSitePackages) throws IOException, InterruptedException {
		List<String> argv = systemSitePackages
				? List.of(SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", dir.toString())
				: List.of(SYSTEM_PYTHON, "-m", "venv", "--without-pip", dir.toString());
		Result result = run(argv, Map.of("PATH", "/usr/bin:/bin"), Duration.ofSeconds(60));
		if (result.exitCode() != 0) {
			fail("python3 -m venv failed (" + result.exitCode() + "): " + result.output()
					+ "; these tests need Debian's python3 with python3-venv and python3-ipykernel");
		}
		return dir;
	}

	/**
	 * A conda-style environment. conda itself cannot be installed here (Debian has no package of
	 * it and its channels are not reachable), so this is a real venv laid out as conda lays out an
	 * environment: {@code conda-meta/history}, and an {@code etc/conda/activate.d} hook that
	 * exports {@code PORTICO_CONDA_HOOK} as {@code conda activate} would run it.
	 */
	static Path condaStyleEnv(Path dir) throws IOException, InterruptedException {
		venv(dir, true);
		write(dir.resolve("conda-meta/history"), "==> 2024-01-01 00:00:00 <==\n# cmd: conda create -p " + dir + "\n");
		write(dir.resolve("etc/conda/activate.d/hook.sh"),
				"PORTICO_CONDA_HOOK=\"ran for $CONDA_PREFIX\"\nexport PORTICO_CONDA_HOOK\n");
		return dir;
	}

	/**
	 * A pyenv-style version folder {@code root/versions/version} holding a real Python (a venv of
	 * Debian's, so that ipykernel is importable; a version pyenv built would have no ipykernel and
	 * pip cannot fetch one here).
	 */
	static Path pyenvStyleVersion(Path root, String version) throws IOException, InterruptedException {
		return venv(root.resolve("versions").resolve(version), true);
	}

	/** Writes a tiny package {@code name} into the environment's site-packages. */
	static void addPackage(Path prefix, String name, String where) throws IOException, InterruptedException {
		Result result = run(List.of(prefix.resolve("bin/python").toString(), "-c",
				"import sysconfig; print(sysconfig.get_paths()['purelib'])"), Map.of("PATH", "/usr/bin:/bin"),
				Duration.ofSeconds(30));
		if (result.exitCode() != 0) {
			fail("cannot ask " + prefix + " for its site-packages: " + result.output());
		}
		Path sitePackages = Path.of(result.stdout().strip());
		write(sitePackages.resolve(name).resolve("__init__.py"), "WHERE = " + pythonString(where) + "\n");
	}

	/** A fake executable: a POSIX sh script. */
	static Path script(Path file, String body) throws IOException {
		write(file, "#!/bin/sh\n" + body);
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
		return file;
	}

	static void write(Path file, String text) throws IOException {
		Files.createDirectories(file.getParent());
		Files.writeString(file, text, StandardCharsets.UTF_8);
	}

	static void deleteTree(@Nullable Path root) throws IOException {
		if (root == null || !Files.exists(root)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(root)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
	}

	/** What a command returned. */
	record Result(int exitCode, String stdout, String stderr) {

		String output() {
			return this.stdout + this.stderr;
		}

	}

	/** Runs a command with exactly {@code environment}, bounded by {@code timeout}. */
	static Result run(List<String> argv, Map<String, String> environment, Duration timeout)
			throws IOException, InterruptedException {
		Path out = Files.createTempFile("portico-test-", ".out");
		Path err = Files.createTempFile("portico-test-", ".err");
		try {
			ProcessBuilder builder = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
			builder.environment().clear();
			builder.environment().putAll(environment);
			Process process = builder.start();
			process.getOutputStream().close();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.descendants().forEach(ProcessHandle::destroyForcibly);
				process.destroyForcibly();
				fail(argv.get(0) + " did not finish within " + timeout);
			}
			return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
		}
		finally {
			Files.deleteIfExists(out);
			Files.deleteIfExists(err);
		}
	}

	static Path sharedDir() {
		String shared = setting("portico.shared.dir", "PORTICO_SHARED_DIR");
		if (shared != null) {
			return Path.of(shared).toAbsolutePath();
		}
		// Surefire runs in the module directory; the repository root is its parent.
		Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
		return module.getParent().resolve("../shared").normalize();
	}

	private static String pythonString(String value) {
		return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
	}

	private static ToolLocation existing(ToolLocation location, String install) {
		if (!Files.isRegularFile(location.command())) {
			fail(location.kind().displayName() + " is not installed at " + location.command()
					+ "; these tests need the real tool (" + install + ")");
		}
		return location;
	}

	private static @Nullable String setting(String property, String variable) {
		String value = System.getProperty(property);
		if (value == null || value.isBlank()) {
			value = System.getenv(variable);
		}
		return (value == null || value.isBlank()) ? null : value;
	}

}
