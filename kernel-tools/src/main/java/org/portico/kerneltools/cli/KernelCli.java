package org.portico.kerneltools.cli;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.jspecify.annotations.Nullable;
import org.portico.envmodules.ModuleException;
import org.portico.envmodules.ModuleSpec;
import org.portico.envmodules.ModuleSystem;
import org.portico.envmodules.ModuleSystemKind;
import org.portico.envmodules.ModuleSystemOptions;
import org.portico.envmodules.ToolLocation;
import org.portico.kerneltools.DiscoveredPython;
import org.portico.kerneltools.DiscoveryOptions;
import org.portico.kerneltools.InstalledKernel;
import org.portico.kerneltools.KernelCheck;
import org.portico.kerneltools.KernelException;
import org.portico.kerneltools.KernelJson;
import org.portico.kerneltools.KernelLocation;
import org.portico.kerneltools.KernelName;
import org.portico.kerneltools.KernelRequest;
import org.portico.kerneltools.KernelTools;
import org.portico.kerneltools.PythonDiscovery;
import org.portico.kerneltools.PythonEnvironment;
import org.portico.kerneltools.UserPaths;
import org.portico.kerneltools.cli.CommandLine.Arity;
import org.portico.kerneltools.cli.CommandLine.UsageException;

/**
 * {@code portico kernel}: creates, lists, checks and removes Jupyter kernels for module
 * environments, and discovers the Pythons a user has.
 *
 * <p>Exit codes: 0 done (for {@code check}: the kernel will start, perhaps with warnings), 1 the
 * operation failed (a module does not load, no such kernel, ...), 2 a usage error or a refused
 * value (a hostile name, a bad path), 3 {@code check} found a problem that stops the kernel from
 * starting. With {@code --json}, standard output is always one JSON object, also on failure
 * ({@code {"error": {...}}}); messages for people go to standard error.
 */
public final class KernelCli {

	static final String USAGE = """
			usage: portico kernel <command> [options]

			  create --name NAME (--venv DIR | --conda NAME|DIR | --pyenv VERSION | --python PATH|python3)
			         [--module MODULE]... [--modules "M1 M2"] [--display-name TEXT]
			         [--shared DIR] [--replace] [--json] [module options] [--timeout SECONDS]
			      make a kernel that loads the modules (versions pinned as resolved now), activates
			      the environment and runs ipykernel; it is tried once before it is installed
			  list [--shared DIR]... [--json]
			      the kernels in your Jupyter data folder (and in each shared folder)
			  check NAME [--shared DIR] [--json] [--timeout SECONDS]
			      what would stop the kernel from starting, and module versions that moved on
			  remove NAME [--shared DIR] [--json]
			      remove a kernel made by Portico
			  discover [--venv-dir DIR]... [--pyenv-root DIR] [--no-modules] [--json] [module options]
			      the virtualenvs, conda envs, pyenv versions and module Pythons you have

			  --shared DIR     a shared Jupyter data folder (kernels go to DIR/kernels; users add DIR
			                   to JUPYTER_PATH); default: $JUPYTER_DATA_DIR or ~/.local/share/jupyter
			  module options:  --modulepath DIRS (default $MODULEPATH)
			                   --module-cmd PATH  the lmod or modulecmd.tcl command (default: $LMOD_CMD,
			                   $MODULES_CMD, then the usual places) [--module-system lmod|environment-modules]
			exit codes: 0 ok, 1 failed, 2 usage error or refused value, 3 check found an error
			""";

	private static final Pattern CONDA_NAME = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9._+-]{0,99}");

	private static final Map<String, Arity> MODULE_OPTIONS = Map.of("--modulepath", Arity.ONE, "--module-cmd",
			Arity.ONE, "--module-system", Arity.ONE);

	private final Map<String, String> environment;

	private final Path workingDirectory;

	private final PrintStream out;

	private final PrintStream err;

	/**
	 * Creates a command line bound to an environment and streams.
	 * @param environment the user's environment ({@code HOME}, {@code MODULEPATH},
	 * {@code JUPYTER_DATA_DIR}, ...)
	 * @param workingDirectory where relative paths start
	 * @param out standard output
	 * @param err standard error
	 */
	public KernelCli(Map<String, String> environment, Path workingDirectory, PrintStream out, PrintStream err) {
		this.environment = Map.copyOf(environment);
		this.workingDirectory = workingDirectory.toAbsolutePath();
		this.out = Objects.requireNonNull(out, "out");
		this.err = Objects.requireNonNull(err, "err");
	}

	/**
	 * Runs the command line and exits with its exit code.
	 * @param args the arguments
	 */
	public static void main(String[] args) {
		KernelCli cli = new KernelCli(System.getenv(), Path.of("").toAbsolutePath(), System.out, System.err);
		System.exit(cli.run(args));
	}

	/**
	 * Runs one command. Blocks while it runs.
	 * @param args the arguments, the subcommand first
	 * @return the exit code
	 */
	public int run(String... args) {
		List<String> list = Arrays.asList(args);
		boolean json = list.contains("--json");
		if (list.isEmpty() || List.of("help", "--help", "-h").contains(list.get(0))) {
			(list.isEmpty() ? this.err : this.out).print(USAGE);
			return list.isEmpty() ? 2 : 0;
		}
		String command = list.get(0);
		List<String> rest = list.subList(1, list.size());
		try {
			switch (command) {
				case "create":
					return create(rest);
				case "list":
					return list(rest);
				case "check":
					return check(rest);
				case "remove":
					return remove(rest);
				case "discover":
					return discover(rest);
				default:
					throw new UsageException("unknown command " + CommandLine.shown(command)
							+ " (create, list, check, remove, discover)");
			}
		}
		catch (UsageException ex) {
			return fail(json, 2, "usage", ex.getMessage() + "\n(portico kernel help shows the usage)", List.of(), "",
					List.of(), "");
		}
		catch (IllegalArgumentException ex) {
			return fail(json, 2, "invalid", ex.getMessage(), List.of(), "", List.of(), "");
		}
		catch (KernelException ex) {
			return fail(json, 1, ex.reason().label(), ex.getMessage(), ex.modules(), ex.toolMessage(), ex.fix(),
					ex.fixCommand());
		}
		catch (ModuleException ex) {
			return fail(json, 1, "module-system", ex.getMessage(), ex.modules(), ex.toolMessage(), List.of(), "");
		}
		catch (UncheckedIOException ex) {
			return fail(json, 1, "io", ex.getMessage(), List.of(), "", List.of(), "");
		}
	}

	private int create(List<String> args) {
		Map<String, Arity> accepted = new LinkedHashMap<>(MODULE_OPTIONS);
		accepted.putAll(Map.of("--name", Arity.ONE, "--display-name", Arity.ONE, "--module", Arity.MANY, "--modules",
				Arity.ONE, "--venv", Arity.ONE, "--conda", Arity.ONE, "--pyenv", Arity.ONE, "--pyenv-root", Arity.ONE,
				"--python", Arity.ONE, "--shared", Arity.ONE));
		accepted.putAll(Map.of("--replace", Arity.FLAG, "--json", Arity.FLAG, "--timeout", Arity.ONE));
		CommandLine line = CommandLine.parse("create", args, accepted);
		noPositional("create", line);
		String name = line.value("--name");
		if (name == null) {
			throw new UsageException("create: --name is required");
		}
		KernelName kernel = KernelName.of(name);
		List<ModuleSpec> modules = new ArrayList<>();
		line.values("--module").forEach((module) -> modules.add(ModuleSpec.of(module)));
		if (line.value("--modules") != null) {
			modules.addAll(ModuleSpec.parseAll(line.value("--modules")));
		}
		PythonEnvironment environment = environment(line);
		KernelRequest request = KernelRequest.of(kernel, line.value("--display-name"), modules, environment);
		InstalledKernel installed = tools(line).create(request, location(line), line.flag("--replace"));
		if (line.flag("--json")) {
			json(installed);
		}
		else {
			this.out.println("Created kernel '" + installed.name() + "' (" + Objects.requireNonNull(installed.spec()).displayName()
					+ ") in " + installed.directory());
			var metadata = Objects.requireNonNull(installed.spec().portico());
			this.out.println("  Python " + metadata.pythonVersion() + " (" + metadata.python() + "), ipykernel "
					+ metadata.ipykernel());
			if (metadata.modules() != null) {
				this.out.println("  modules, pinned: " + String.join(" ", metadata.modules().resolved()) + " ("
						+ metadata.modules().system() + ")");
			}
		}
		return 0;
	}

	private PythonEnvironment environment(CommandLine line) {
		List<String> given = new ArrayList<>();
		for (String option : List.of("--venv", "--conda", "--pyenv", "--python")) {
			if (line.value(option) != null) {
				given.add(option);
			}
		}
		if (given.size() != 1) {
			throw new UsageException("create: give exactly one of --venv, --conda, --pyenv, --python"
					+ (given.isEmpty() ? "" : " (got " + String.join(", ", given) + ")"));
		}
		if (line.value("--pyenv-root") != null && !given.get(0).equals("--pyenv")) {
			throw new UsageException("create: --pyenv-root goes with --pyenv");
		}
		UserPaths paths = paths();
		String value = Objects.requireNonNull(line.value(given.get(0)));
		switch (given.get(0)) {
			case "--venv":
				return new PythonEnvironment.Virtualenv(paths.resolve("virtualenv", value));
			case "--conda":
				if (value.contains("/") || value.startsWith("~") || value.startsWith(".")) {
					return new PythonEnvironment.CondaEnv(paths.resolve("conda environment", value));
				}
				if (!CONDA_NAME.matcher(value).matches()) {
					throw new IllegalArgumentException("conda environment name " + CommandLine.shown(value)
							+ " refused: only letters, digits and . _ + - are allowed");
				}
				return new PythonEnvironment.CondaEnv(discovery(line).condaByName(value)
					.orElseThrow(() -> new KernelException(KernelException.Reason.ENVIRONMENT, "no conda environment named '"
							+ value + "' in ~/.conda/environments.txt, the envs_dirs of ~/.condarc or ~/.conda/envs; give its path instead",
							List.of(), "", List.of(), null)));
			case "--pyenv":
				return new PythonEnvironment.PyenvVersion(pyenvRoot(line), value);
			default:
				if (value.matches("python[0-9.]{0,10}")) {
					return new PythonEnvironment.Interpreter(Path.of(value));
				}
				return new PythonEnvironment.Interpreter(paths.resolve("Python interpreter", value));
		}
	}

	private int list(List<String> args) {
		CommandLine line = CommandLine.parse("list", args, Map.of("--shared", Arity.MANY, "--json", Arity.FLAG));
		noPositional("list", line);
		List<KernelLocation> locations = new ArrayList<>();
		locations.add(KernelLocation.personal(this.environment, home()));
		line.values("--shared").forEach((dir) -> locations.add(KernelLocation.shared(paths().resolve("--shared folder", dir))));
		List<InstalledKernel> kernels = tools(line).list(locations);
		if (line.flag("--json")) {
			json(Map.of("kernels", kernels));
			return 0;
		}
		if (kernels.isEmpty()) {
			this.out.println("No kernels in " + locations.stream().map((l) -> l.kernelsDir().toString()).toList());
		}
		for (InstalledKernel kernel : kernels) {
			String what = (kernel.spec() == null) ? "unreadable: " + kernel.problem()
					: kernel.spec().displayName() + (kernel.portico() ? "" : "  [not made by Portico]");
			this.out.printf("%-24s %-8s %s%n  %s%n", kernel.name(), kernel.shared() ? "shared" : "personal", what,
					kernel.directory());
		}
		return 0;
	}

	private int check(List<String> args) {
		Map<String, Arity> accepted = new LinkedHashMap<>(MODULE_OPTIONS);
		accepted.putAll(Map.of("--shared", Arity.ONE, "--json", Arity.FLAG, "--timeout", Arity.ONE));
		CommandLine line = CommandLine.parse("check", args, accepted);
		KernelName name = KernelName.of(onePositional("check", line));
		KernelCheck check = tools(line).check(name, location(line));
		if (line.flag("--json")) {
			json(check);
		}
		else if (check.problems().isEmpty()) {
			this.out.println("Kernel '" + name + "' is fine: it starts as it was made.");
		}
		else {
			this.out.println("Kernel '" + name + "' (" + check.directory() + ")" + (check.ok() ? " starts, but:" : " will not start:"));
			for (KernelCheck.Problem problem : check.problems()) {
				this.out.println("  " + problem.severity().name().toLowerCase(java.util.Locale.ROOT) + ": "
						+ problem.message().replace("\n", "\n    "));
				if (!problem.fix().isEmpty()) {
					this.out.println("    fix: " + problem.fixCommand());
				}
			}
		}
		return check.ok() ? 0 : 3;
	}

	private int remove(List<String> args) {
		CommandLine line = CommandLine.parse("remove", args, Map.of("--shared", Arity.ONE, "--json", Arity.FLAG));
		KernelName name = KernelName.of(onePositional("remove", line));
		Path removed = tools(line).remove(name, location(line));
		if (line.flag("--json")) {
			json(Map.of("removed", Map.of("name", name.value(), "directory", removed.toString())));
		}
		else {
			this.out.println("Removed kernel '" + name + "' (" + removed + ")");
		}
		return 0;
	}

	private int discover(List<String> args) {
		Map<String, Arity> accepted = new LinkedHashMap<>(MODULE_OPTIONS);
		accepted.putAll(Map.of("--venv-dir", Arity.MANY, "--pyenv-root", Arity.ONE, "--no-modules", Arity.FLAG, "--json",
				Arity.FLAG));
		CommandLine line = CommandLine.parse("discover", args, accepted);
		noPositional("discover", line);
		List<DiscoveredPython> pythons = discovery(line).discover();
		if (line.flag("--json")) {
			json(Map.of("pythons", pythons));
			return 0;
		}
		if (pythons.isEmpty()) {
			this.out.println("No virtualenvs, conda environments, pyenv versions or module Pythons found.");
		}
		for (DiscoveredPython python : pythons) {
			String kind = KernelJson.mapper().valueToTree(python.environment()).path("kind").asText();
			this.out.printf("%-7s %-10s %s%n", kind, (python.version() != null) ? python.version() : "?",
					python.environment().label() + (python.modules().isEmpty() ? "" : " [module " + String.join(" ", python.modules()) + "]")
							+ "  (" + python.source() + ")");
			if (python.problem() != null) {
				this.out.println("        " + python.problem());
			}
		}
		return 0;
	}

	private PythonDiscovery discovery(CommandLine line) {
		DiscoveryOptions options = DiscoveryOptions.defaults(this.environment, home());
		if (!line.values("--venv-dir").isEmpty()) {
			options = options.withVenvFolders(
					line.values("--venv-dir").stream().map((dir) -> paths().resolve("--venv-dir folder", dir)).toList());
		}
		if (line.value("--pyenv-root") != null) {
			options = new DiscoveryOptions(options.home(), options.venvFolders(), options.condaEnvironmentsFile(),
					options.condaRc(), options.condaEnvsDirs(), pyenvRoot(line), options.modules(), options.probeTimeout());
		}
		if (line.flag("--no-modules")) {
			options = options.withModules(false);
		}
		return new PythonDiscovery(options, this.environment, moduleSystem(line));
	}

	private KernelTools tools(CommandLine line) {
		Duration timeout = KernelTools.DEFAULT_TIMEOUT;
		String seconds = line.value("--timeout");
		if (seconds != null) {
			if (!seconds.matches("[1-9][0-9]{0,4}")) {
				throw new UsageException("--timeout takes a number of seconds (1 to 99999)");
			}
			timeout = Duration.ofSeconds(Long.parseLong(seconds));
		}
		return new KernelTools(this.environment, moduleSystem(line), timeout);
	}

	/** The module system from the options, else from the environment; found only when needed. */
	private Supplier<ModuleSystem> moduleSystem(CommandLine line) {
		String modulePathValue = (line.value("--modulepath") != null) ? line.value("--modulepath")
				: this.environment.getOrDefault("MODULEPATH", "");
		String command = line.value("--module-cmd");
		String system = line.value("--module-system");
		if (system != null && !List.of("lmod", "environment-modules").contains(system)) {
			throw new UsageException("--module-system is lmod or environment-modules");
		}
		return () -> {
			List<Path> modulePath = Arrays.stream(modulePathValue.split(":")).filter((dir) -> !dir.isEmpty()).map(Path::of).toList();
			if (modulePath.isEmpty()) {
				throw new KernelException(KernelException.Reason.MODULE_SYSTEM,
						"no MODULEPATH: set it (module systems' init scripts do) or pass --modulepath", List.of(), "",
						List.of(), null);
			}
			ModuleSystemOptions options = ModuleSystemOptions.of(modulePath);
			if (command == null) {
				return ModuleSystem.detect(ToolLocation.defaults(this.environment), options);
			}
			Path tool = paths().resolve("--module-cmd", command);
			ModuleSystemKind kind;
			if (system != null) {
				kind = system.equals("lmod") ? ModuleSystemKind.LMOD : ModuleSystemKind.ENVIRONMENT_MODULES;
			}
			else {
				kind = tool.getFileName().toString().startsWith("modulecmd") ? ModuleSystemKind.ENVIRONMENT_MODULES
						: ModuleSystemKind.LMOD;
			}
			return ModuleSystem.of(new ToolLocation(kind, tool), options);
		};
	}

	private KernelLocation location(CommandLine line) {
		String shared = line.value("--shared");
		return (shared != null) ? KernelLocation.shared(paths().resolve("--shared folder", shared))
				: KernelLocation.personal(this.environment, home());
	}

	private Path pyenvRoot(CommandLine line) {
		String root = line.value("--pyenv-root");
		if (root != null) {
			return paths().resolve("--pyenv-root", root);
		}
		String fromEnvironment = this.environment.get("PYENV_ROOT");
		if (fromEnvironment != null && Path.of(fromEnvironment).isAbsolute()) {
			return Path.of(fromEnvironment);
		}
		return home().resolve(".pyenv");
	}

	private Path home() {
		String home = this.environment.get("HOME");
		return Path.of((home != null && Path.of(home).isAbsolute()) ? home : System.getProperty("user.home"));
	}

	private UserPaths paths() {
		return new UserPaths(home(), this.workingDirectory);
	}

	private static void noPositional(String command, CommandLine line) {
		if (!line.positional().isEmpty()) {
			throw new UsageException(command + ": unexpected argument " + CommandLine.shown(line.positional().get(0)));
		}
	}

	private static String onePositional(String command, CommandLine line) {
		if (line.positional().size() != 1) {
			throw new UsageException(command + ": give one kernel name");
		}
		return line.positional().get(0);
	}

	private int fail(boolean json, int code, String reason, @Nullable String message, List<String> modules,
			String toolMessage, List<String> fix, String fixCommand) {
		String text = (message != null) ? message : reason;
		this.err.println("portico kernel: " + text);
		if (!fix.isEmpty()) {
			this.err.println("  fix: " + fixCommand);
		}
		if (json) {
			Map<String, Object> error = new LinkedHashMap<>();
			error.put("reason", reason);
			error.put("message", text);
			error.put("modules", modules);
			error.put("tool_message", toolMessage);
			error.put("fix", fix);
			error.put("fix_command", fixCommand);
			json(Map.of("error", error));
		}
		return code;
	}

	private void json(Object value) {
		try {
			this.out.println(KernelJson.mapper().writeValueAsString(value));
		}
		catch (JsonProcessingException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
