package org.portico.envmodules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.fail;

/**
 * The real module tools and a module tree for the {@code modules}-tagged tests.
 *
 * <p>The tree comes from the project's shared {@code schedulers/modules-fixture.sh} (fake
 * {@code cuda/12.4} and {@code python/3.11}, in Tcl and Lua), found through the system property
 * {@code portico.shared.dir} or the environment variable {@code PORTICO_SHARED_DIR}, else
 * {@code ../shared} beside the repository. The tools are found through
 * {@code portico.lmod.cmd}/{@code PORTICO_LMOD_CMD} (else {@code LMOD_CMD}, else Debian's path) and
 * {@code portico.envmodules.home}/{@code PORTICO_ENVMODULES_HOME} (else
 * {@value #DEFAULT_ENVMODULES_HOME}, where INSTALL-NOTES.md unpacks Environment Modules). A
 * missing tool or script fails the test: these tests never skip.
 */
final class ModulesFixture {

	static final String DEFAULT_LMOD_CMD = "/usr/share/lmod/lmod/libexec/lmod";

	static final String DEFAULT_ENVMODULES_HOME = "/opt/portico-test/envmodules";

	private ModulesFixture() {
	}

	static ToolLocation lmod() {
		String cmd = setting("portico.lmod.cmd", "PORTICO_LMOD_CMD");
		if (cmd == null) {
			cmd = (System.getenv("LMOD_CMD") != null) ? System.getenv("LMOD_CMD") : DEFAULT_LMOD_CMD;
		}
		return existing(new ToolLocation(ModuleSystemKind.LMOD, Path.of(cmd)), "apt-get install -y lmod");
	}

	static ToolLocation environmentModules() {
		String home = setting("portico.envmodules.home", "PORTICO_ENVMODULES_HOME");
		Path cmd = Path.of((home != null) ? home : DEFAULT_ENVMODULES_HOME, "usr/lib/modulecmd.tcl");
		return existing(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES, cmd),
				"apt-get download environment-modules && dpkg -x environment-modules_*.deb " + DEFAULT_ENVMODULES_HOME);
	}

	/**
	 * Writes the shared fixture into {@code root} and adds {@code broken/1.0} (a modulefile that
	 * errors) and {@code other/1.0} (conflicts with {@code cuda}) in both languages.
	 */
	static void create(Path root) throws IOException, InterruptedException {
		Path script = sharedDir().resolve("schedulers/modules-fixture.sh");
		if (!Files.isRegularFile(script)) {
			fail("modules-fixture.sh not found at " + script + "; set PORTICO_SHARED_DIR to the shared folder");
		}
		Process process = new ProcessBuilder(List.of("/bin/bash", script.toString(), root.toString()))
			.redirectErrorStream(true)
			.start();
		process.getOutputStream().close();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			fail(script + " did not finish within 30 s");
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (process.exitValue() != 0) {
			fail(script + " failed with exit code " + process.exitValue() + ": " + output);
		}
		write(root.resolve("tcl/broken/1.0"), "#%Module1.0\nerror \"broken on purpose\"\n");
		write(root.resolve("tcl/other/1.0"), "#%Module1.0\nconflict cuda\nsetenv OTHER 1\n");
		write(root.resolve("lua/broken/1.0.lua"), "LmodError(\"broken on purpose\")\n");
		write(root.resolve("lua/other/1.0.lua"), "conflict(\"cuda\")\nsetenv(\"OTHER\", \"1\")\n");
	}

	static void write(Path file, String text) throws IOException {
		Files.createDirectories(file.getParent());
		Files.writeString(file, text);
	}

	/** Finds an executable on a PATH value, as a shell would. */
	static @Nullable Path which(String name, Map<String, String> environment) {
		for (String dir : environment.getOrDefault("PATH", "").split(":")) {
			Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
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

	private static ToolLocation existing(ToolLocation location, String install) {
		if (!Files.isRegularFile(location.command())) {
			fail(location.kind().displayName() + " is not installed at " + location.command()
					+ "; these tests need the real tool (see env-modules/INSTALL-NOTES.md: " + install + ")");
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
