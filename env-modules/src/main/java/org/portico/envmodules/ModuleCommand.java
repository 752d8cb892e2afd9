package org.portico.envmodules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One module tool at a known location with its version, options and runner: what both module
 * systems share to run their commands and to word their failures.
 */
final class ModuleCommand {

	/** {@code PATH} for commands that have no caller environment (version probe, catalogue). */
	static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

	private static final Pattern LMOD_VERSION = Pattern.compile("Modules based on Lua: Version (\\S+)");

	private static final Pattern MODULES_VERSION = Pattern.compile("Modules Release (\\S+)");

	private final ToolLocation location;

	private final String version;

	private final ModuleSystemOptions options;

	private final ToolRunner runner;

	private ModuleCommand(ToolLocation location, String version, ModuleSystemOptions options, ToolRunner runner) {
		this.location = Objects.requireNonNull(location, "location");
		this.version = Objects.requireNonNull(version, "version");
		this.options = Objects.requireNonNull(options, "options");
		this.runner = Objects.requireNonNull(runner, "runner");
	}

	/**
	 * Asks the tool for its version and builds the matching module system.
	 * @throws ModuleException {@code NOT_INSTALLED} if it does not answer with one
	 */
	static ModuleSystem create(ToolLocation location, ModuleSystemOptions options, ToolRunner runner) {
		ModuleCommand command = new ModuleCommand(location, probeVersion(location, options, runner), options, runner);
		return (location.kind() == ModuleSystemKind.LMOD) ? new LmodModuleSystem(command)
				: new EnvironmentModulesSystem(command);
	}

	private static String probeVersion(ToolLocation location, ModuleSystemOptions options, ToolRunner runner) {
		boolean lmod = location.kind() == ModuleSystemKind.LMOD;
		// Both print their version on stderr; modulecmd.tcl wants a shell name first.
		List<String> argv = lmod ? List.of(location.command().toString(), "--version")
				: List.of(location.command().toString(), "sh", "--version");
		ToolResult result;
		try {
			result = runner.run(argv, Map.of("PATH", DEFAULT_PATH), options.timeout());
		}
		catch (ModuleException ex) {
			throw new ModuleException(ModuleException.Reason.NOT_INSTALLED, location.kind(), List.of(),
					location.kind().displayName() + " at " + location.command() + " does not run: " + ex.getMessage(), "", ex);
		}
		Matcher matcher = (lmod ? LMOD_VERSION : MODULES_VERSION).matcher(result.stderr() + "\n" + result.stdout());
		if (result.exitCode() != 0 || !matcher.find()) {
			throw new ModuleException(ModuleException.Reason.NOT_INSTALLED, location.kind(), List.of(),
					location.kind().displayName() + " at " + location.command() + " did not report its version (exit code "
							+ result.exitCode() + ")" + (result.message().isEmpty() ? "" : ": " + result.message()),
					result.message(), null);
		}
		return matcher.group(1);
	}

	ModuleCommand withOptions(ModuleSystemOptions options) {
		return new ModuleCommand(this.location, this.version, options, this.runner);
	}

	ToolLocation location() {
		return this.location;
	}

	String version() {
		return this.version;
	}

	ModuleSystemOptions options() {
		return this.options;
	}

	ModuleSystemKind kind() {
		return this.location.kind();
	}

	/** "Lmod 8.6.19", for messages. */
	String who() {
		return kind().displayName() + " " + this.version;
	}

	/** The environment of a catalogue command: nobody's, just enough to run. */
	Map<String, String> catalogueEnvironment() {
		Map<String, String> env = new HashMap<>();
		env.put("PATH", DEFAULT_PATH);
		env.put("LANG", "C.UTF-8");
		env.put("MODULEPATH", this.options.modulePathValue());
		return env;
	}

	/**
	 * The environment of a load: the caller's base environment with this {@code MODULEPATH}.
	 * @throws IllegalArgumentException if a name or value cannot be passed to a process
	 */
	Map<String, String> loadEnvironment(Map<String, String> base) {
		Map<String, String> env = new HashMap<>();
		base.forEach((name, value) -> {
			if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
				throw new IllegalArgumentException("environment variable " + ModuleSpec.quote(name)
						+ " cannot be passed to a process (empty name, '=' or NUL)");
			}
			env.put(name, value);
		});
		env.put("MODULEPATH", this.options.modulePathValue());
		return env;
	}

	/** Runs the tool with {@code arguments}. */
	ToolResult run(List<String> arguments, Map<String, String> environment, List<String> modules) {
		List<String> argv = new ArrayList<>();
		argv.add(this.location.command().toString());
		argv.addAll(arguments);
		return runExact(argv, environment, modules);
	}

	/**
	 * Runs {@code argv} (a helper of the tool, such as Lmod's {@code spider}); a runner failure is
	 * reworded to name this tool and the modules concerned.
	 */
	ToolResult runExact(List<String> argv, Map<String, String> environment, List<String> modules) {
		try {
			return this.runner.run(argv, environment, this.options.timeout());
		}
		catch (ModuleException ex) {
			throw new ModuleException(ex.reason(), kind(), modules, who() + ": " + ex.getMessage(), ex.toolMessage(), ex);
		}
	}

	/** A parser's complaint as a failure of this tool, with its own message for context. */
	ModuleException malformed(MalformedOutputException ex, List<String> modules, ToolResult result) {
		String toolMessage = result.message();
		return new ModuleException(ModuleException.Reason.UNEXPECTED_OUTPUT, kind(), modules,
				who() + ": " + ex.getMessage() + (toolMessage.isEmpty() ? "" : "; it said: " + toolMessage), toolMessage, ex);
	}

}
