package org.portico.kerneltools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.portico.envmodules.EnvironmentChange;
import org.portico.envmodules.ModuleException;
import org.portico.envmodules.ModuleSpec;
import org.portico.envmodules.ModuleSystem;
import org.portico.envmodules.ModuleSystemKind;
import org.portico.envmodules.ModuleSystemOptions;
import org.portico.envmodules.ToolLocation;

/**
 * Creates, lists, checks and removes kernelspecs that load environment modules and activate a
 * Python environment.
 *
 * <p>Creating a kernel proves it works before it exists: the modules are loaded with env-modules
 * (and their versions pinned), then the kernel's own launcher runs once in check mode from a
 * staging folder, loading the modules with the module tool, activating the environment and
 * importing ipykernel exactly as at kernel start; only then is the folder moved into place. A
 * kernel that cannot start is therefore refused with the module system's message instead of
 * being installed.
 *
 * <p>Every method blocks (module commands, Python, files) for up to the timeout per command; call
 * it off any event loop. Runs as the user whose kernels it manages; never reads or changes the
 * JVM's own environment. Thread-safe if the module system supplier is.
 */
public final class KernelTools {

	/** The timeout {@link #KernelTools(Map, Supplier)} uses for the launcher and Python. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

	private static final Pattern JUPYTER_NAME = Pattern.compile("[a-z0-9._-]+");

	private final Map<String, String> environment;

	private final Supplier<ModuleSystem> moduleSystem;

	private final Duration timeout;

	/**
	 * Creates the tools with the default timeout.
	 * @param environment the user's environment: the base for module loads and the launcher's
	 * checks, as the kernel's would be ({@code PATH}, {@code HOME}, loaded modules)
	 * @param moduleSystem finds the module system when a kernel has modules; may throw
	 * {@link ModuleException}; called at most once
	 */
	public KernelTools(Map<String, String> environment, Supplier<ModuleSystem> moduleSystem) {
		this(environment, moduleSystem, DEFAULT_TIMEOUT);
	}

	/**
	 * Creates the tools.
	 * @param environment the user's environment
	 * @param moduleSystem finds the module system; called at most once
	 * @param timeout how long the launcher or Python may run per command
	 */
	public KernelTools(Map<String, String> environment, Supplier<ModuleSystem> moduleSystem, Duration timeout) {
		this.environment = Map.copyOf(environment);
		this.moduleSystem = memoize(Objects.requireNonNull(moduleSystem, "moduleSystem"));
		this.timeout = Objects.requireNonNull(timeout, "timeout");
	}

	/**
	 * Creates a kernel, or replaces one that kernel-tools made.
	 * @param request what to create
	 * @param location where
	 * @param replace whether an existing kernel of that name (made by kernel-tools) may be replaced
	 * @return the installed kernel
	 * @throws KernelException {@code EXISTS}, {@code NOT_PORTICO} (refusing to replace a kernel made
	 * otherwise), {@code ENVIRONMENT}, {@code INTERPRETER}, {@code MODULE_SYSTEM},
	 * {@code MODULE_LOAD} (quoting the module system), {@code IPYKERNEL} (with the fix),
	 * {@code LAUNCH} or {@code IO}; nothing is left behind then
	 */
	public InstalledKernel create(KernelRequest request, KernelLocation location, boolean replace) {
		KernelName name = request.name();
		Path directory = location.directoryOf(name);
		boolean exists = Files.exists(directory, LinkOption.NOFOLLOW_LINKS);
		if (exists && !replace) {
			throw KernelException.of(KernelException.Reason.EXISTS, "kernel '" + name + "' exists already in "
					+ location.kernelsDir() + "; replace it with --replace or remove it first");
		}
		if (exists) {
			requirePortico(name, directory);
		}
		checkEnvironment(request.environment());
		PorticoMetadata.Modules modules = null;
		Map<String, String> kernelEnvironment = this.environment;
		if (!request.modules().isEmpty()) {
			ModuleSystem system = moduleSystem();
			EnvironmentChange change;
			try {
				change = system.load(request.modules(), this.environment);
			}
			catch (ModuleException ex) {
				throw new KernelException(KernelException.Reason.MODULE_LOAD,
						"kernel '" + name + "' not created: " + ex.getMessage(), ex.modules(), ex.toolMessage(), List.of(), ex);
			}
			modules = new PorticoMetadata.Modules(request.modules().stream().map(ModuleSpec::name).toList(),
					change.resolved(), systemLabel(system.kind()), system.location().command().toString(),
					system.version(), system.options().modulePathValue());
			kernelEnvironment = change.applyTo(this.environment);
		}
		Path python = interpreter(request.environment(), kernelEnvironment);
		try {
			Files.createDirectories(location.kernelsDir());
			// '~' is not a valid kernel name, so Jupyter never lists the staging folder as a kernel.
			Path staging = Files.createTempDirectory(location.kernelsDir(), "." + name + "~portico-");
			try {
				Path launcher = staging.resolve(Launcher.FILE_NAME);
				Files.writeString(launcher, Launcher.script(), StandardCharsets.UTF_8);
				List<String> argv = Launcher.argv(directory.resolve(Launcher.FILE_NAME), name, modules,
						request.environment(), python);
				List<String> checkArgv = new ArrayList<>(Objects.requireNonNull(Launcher.checkArgv(argv, staging)));
				checkArgv.set(1, launcher.toString());
				Launcher.Report report = Launcher.check(checkArgv, this.environment, this.timeout);
				if (!report.ok()) {
					throw refusal(name, report, python);
				}
				PorticoMetadata metadata = new PorticoMetadata(PorticoMetadata.FORMAT, Instant.now().toString(), modules,
						request.environment(), python.toString(), report.value("version"), report.value("ipykernel"));
				KernelSpec spec = new KernelSpec(argv, request.displayName(), "python", Map.of(),
						Map.of(KernelSpec.METADATA_KEY, metadata));
				Files.writeString(staging.resolve(KernelSpec.FILE_NAME), spec.toJson(), StandardCharsets.UTF_8);
				restrict(staging, location);
				install(staging, directory, location);
				return new InstalledKernel(name.value(), directory, location.shared(), true, spec, null);
			}
			finally {
				Trees.deleteQuietly(staging);
			}
		}
		catch (IOException | UncheckedIOException ex) {
			throw new KernelException(KernelException.Reason.IO,
					"kernel '" + name + "' not created: cannot write " + location.kernelsDir() + ": " + ex.getMessage(),
					List.of(), "", List.of(), ex);
		}
	}

	/**
	 * Lists the kernelspecs in some locations, as Jupyter would find them there.
	 * @param locations where to look; a folder that does not exist has no kernels
	 * @return the kernels, by location then name; those whose {@code kernel.json} cannot be read
	 * carry a problem instead of a spec
	 * @throws KernelException {@code IO} if a folder cannot be listed
	 */
	public List<InstalledKernel> list(List<KernelLocation> locations) {
		List<InstalledKernel> kernels = new ArrayList<>();
		for (KernelLocation location : locations) {
			if (!Files.isDirectory(location.kernelsDir())) {
				continue;
			}
			List<Path> folders = new ArrayList<>();
			try (DirectoryStream<Path> entries = Files.newDirectoryStream(location.kernelsDir())) {
				for (Path entry : entries) {
					String folder = entry.getFileName().toString();
					if (JUPYTER_NAME.matcher(folder.toLowerCase(java.util.Locale.ROOT)).matches()
							&& Files.isRegularFile(entry.resolve(KernelSpec.FILE_NAME))) {
						folders.add(entry);
					}
				}
			}
			catch (IOException ex) {
				throw new KernelException(KernelException.Reason.IO,
						"cannot list " + location.kernelsDir() + ": " + ex.getMessage(), List.of(), "", List.of(), ex);
			}
			folders.sort(Comparator.comparing(Path::toString));
			for (Path folder : folders) {
				kernels.add(read(folder, location));
			}
		}
		return kernels;
	}

	/**
	 * Checks a kernel as its next start would see it: runs its launcher in check mode (modules,
	 * environment, interpreter, ipykernel), compares the Python version and the launcher with the
	 * ones it was made with, and loads its modules by the names the user gave to report versions
	 * that moved on.
	 * @param name the kernel
	 * @param location where it is
	 * @return the problems found; {@link KernelCheck#ok()} if it will start
	 * @throws KernelException {@code NOT_FOUND} if there is no such kernel
	 */
	public KernelCheck check(KernelName name, KernelLocation location) {
		Path directory = location.directoryOf(name);
		if (!Files.isRegularFile(directory.resolve(KernelSpec.FILE_NAME))) {
			throw notFound(name, location);
		}
		List<KernelCheck.Problem> problems = new ArrayList<>();
		KernelSpec spec;
		try {
			spec = KernelSpec.read(directory.resolve(KernelSpec.FILE_NAME));
		}
		catch (UncheckedIOException ex) {
			problems.add(error(KernelCheck.Kind.INVALID_SPEC, ex.getCause().getMessage(), List.of()));
			return new KernelCheck(name.value(), directory, problems);
		}
		PorticoMetadata metadata = spec.portico();
		List<String> checkArgv = Launcher.checkArgv(spec.argv(), directory);
		if (metadata == null || checkArgv == null) {
			problems.add(new KernelCheck.Problem(KernelCheck.Kind.NOT_PORTICO, KernelCheck.Severity.WARNING,
					"kernel '" + name + "' was not made by Portico; only its command was checked", List.of()));
			String command = spec.argv().get(0);
			if (Path.of(command).isAbsolute() ? !Files.isExecutable(Path.of(command)) : which(command, this.environment) == null) {
				problems.add(error(KernelCheck.Kind.MISSING_INTERPRETER, "its command " + command + " is not installed", List.of()));
			}
			return new KernelCheck(name.value(), directory, problems);
		}
		Path launcher = Objects.requireNonNull(Launcher.launcherOf(spec.argv(), directory));
		if (!Files.isRegularFile(launcher)) {
			problems.add(error(KernelCheck.Kind.LAUNCH_FAILED,
					"its launcher " + launcher + " is missing; re-create the kernel with --replace", List.of()));
			return new KernelCheck(name.value(), directory, problems);
		}
		if (!Launcher.script().equals(readQuietly(launcher))) {
			problems.add(new KernelCheck.Problem(KernelCheck.Kind.LAUNCHER_OUTDATED, KernelCheck.Severity.WARNING,
					"its launcher " + launcher + " differs from the one this version of kernel-tools writes; re-create the kernel with --replace",
					List.of()));
		}
		Launcher.Report report = Launcher.check(checkArgv, this.environment, this.timeout);
		Path python = Path.of(metadata.python());
		if (report.ok()) {
			String version = report.value("version");
			if (!version.equals(metadata.pythonVersion())) {
				problems.add(new KernelCheck.Problem(KernelCheck.Kind.PYTHON_CHANGED, KernelCheck.Severity.WARNING,
						"Python was " + metadata.pythonVersion() + " when the kernel was made and is now " + version + " ("
								+ python + ")",
						List.of()));
			}
		}
		else {
			problems.add(problem(report, python));
		}
		if (metadata.modules() != null && report.exitCode() != Launcher.MODULE_TOOL_MISSING) {
			ModuleSystem system = recordedSystem(metadata.modules());
			if (system != null) {
				problems.addAll(ModuleDrift.find(metadata.modules(), system, this.environment));
			}
		}
		return new KernelCheck(name.value(), directory, problems);
	}

	/**
	 * Removes a kernel that kernel-tools made.
	 * @param name the kernel
	 * @param location where it is
	 * @return the folder removed
	 * @throws KernelException {@code NOT_FOUND}, {@code NOT_PORTICO} (a kernelspec made otherwise,
	 * or a folder that is a symbolic link, is left alone) or {@code IO}
	 */
	public Path remove(KernelName name, KernelLocation location) {
		Path directory = location.directoryOf(name);
		if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
			throw notFound(name, location);
		}
		requirePortico(name, directory);
		try {
			Trees.delete(directory);
		}
		catch (IOException ex) {
			throw new KernelException(KernelException.Reason.IO, "cannot remove " + directory + ": " + ex.getMessage(),
					List.of(), "", List.of(), ex);
		}
		return directory;
	}

	private void checkEnvironment(PythonEnvironment environment) {
		if (environment instanceof PythonEnvironment.Virtualenv venv) {
			requireFolder(venv.path(), "virtualenv " + venv.path() + " does not exist");
			if (!Files.isRegularFile(venv.path().resolve("pyvenv.cfg"))
					&& !Files.isRegularFile(venv.path().resolve("bin/activate"))) {
				throw KernelException.of(KernelException.Reason.ENVIRONMENT,
						venv.path() + " is not a virtualenv (it has neither pyvenv.cfg nor bin/activate)");
			}
		}
		else if (environment instanceof PythonEnvironment.CondaEnv conda) {
			requireFolder(conda.prefix(), "conda environment " + conda.prefix() + " does not exist");
			if (!Files.isDirectory(conda.prefix().resolve("conda-meta"))) {
				throw KernelException.of(KernelException.Reason.ENVIRONMENT,
						conda.prefix() + " is not a conda environment (it has no conda-meta folder)");
			}
		}
		else if (environment instanceof PythonEnvironment.PyenvVersion pyenv) {
			if (!Files.isDirectory(pyenv.prefix())) {
				throw KernelException.of(KernelException.Reason.ENVIRONMENT, "pyenv version " + pyenv.version()
						+ " is not installed in " + pyenv.root().resolve("versions") + " (installed: "
						+ String.join(", ", PythonDiscovery.pyenvVersions(pyenv.root())) + ")");
			}
		}
		if (!(environment instanceof PythonEnvironment.Interpreter interpreter) || !interpreter.isBareName()) {
			Path python = environment.python();
			if (!Files.isRegularFile(python) || !Files.isExecutable(python)) {
				throw KernelException.of(KernelException.Reason.INTERPRETER,
						"the Python interpreter " + python + " does not exist or is not executable");
			}
		}
	}

	private static void requireFolder(Path folder, String message) {
		if (!Files.isDirectory(folder)) {
			throw KernelException.of(KernelException.Reason.ENVIRONMENT, message);
		}
	}

	/** The interpreter's absolute path: a bare name is looked up on the PATH the modules give. */
	private static Path interpreter(PythonEnvironment environment, Map<String, String> kernelEnvironment) {
		if (environment instanceof PythonEnvironment.Interpreter interpreter && interpreter.isBareName()) {
			Path found = which(interpreter.python().toString(), kernelEnvironment);
			if (found == null) {
				throw KernelException.of(KernelException.Reason.INTERPRETER, interpreter.python()
						+ " is not on the PATH the kernel's modules give: " + kernelEnvironment.getOrDefault("PATH", ""));
			}
			return UserPaths.checkAbsolute("Python interpreter", found);
		}
		return environment.python();
	}

	static @Nullable Path which(String command, Map<String, String> environment) {
		for (String dir : environment.getOrDefault("PATH", "").split(":")) {
			if (dir.isEmpty() || !Path.of(dir).isAbsolute()) {
				continue;
			}
			Path candidate = Path.of(dir, command);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

	private static KernelException refusal(KernelName name, Launcher.Report report, Path python) {
		KernelCheck.Problem problem = problem(report, python);
		KernelException.Reason reason = switch (problem.kind()) {
			case MODULE_SYSTEM_MISSING -> KernelException.Reason.MODULE_SYSTEM;
			case MODULE_LOAD_FAILED, MODULES_CHANGED -> KernelException.Reason.MODULE_LOAD;
			case MISSING_ENVIRONMENT -> KernelException.Reason.ENVIRONMENT;
			case MISSING_INTERPRETER -> KernelException.Reason.INTERPRETER;
			case MISSING_IPYKERNEL -> KernelException.Reason.IPYKERNEL;
			default -> KernelException.Reason.LAUNCH;
		};
		return new KernelException(reason, "kernel '" + name + "' not created: " + problem.message(), List.of(),
				report.message(), problem.fix(), null);
	}

	/** The problem a failed check-mode run stands for. */
	private static KernelCheck.Problem problem(Launcher.Report report, Path python) {
		String said = report.message().isEmpty() ? "it gave no message" : report.message();
		switch (report.exitCode()) {
			case Launcher.MODULE_TOOL_MISSING:
				return error(KernelCheck.Kind.MODULE_SYSTEM_MISSING, report.summary(), List.of());
			case Launcher.MODULE_LOAD_FAILED:
				return error(KernelCheck.Kind.MODULE_LOAD_FAILED, "the modules do not load: " + said, List.of());
			case Launcher.MODULES_DIFFER:
				return error(KernelCheck.Kind.MODULES_CHANGED, report.summary(), List.of());
			case Launcher.ENVIRONMENT_MISSING:
				return error(KernelCheck.Kind.MISSING_ENVIRONMENT, report.summary(), List.of());
			case Launcher.INTERPRETER_MISSING:
				return error(KernelCheck.Kind.MISSING_INTERPRETER, said, List.of());
			case Launcher.IPYKERNEL_MISSING:
				return error(KernelCheck.Kind.MISSING_IPYKERNEL, "ipykernel is not installed for " + python,
						List.of(python.toString(), "-m", "pip", "install", "ipykernel"));
			default:
				return error(KernelCheck.Kind.LAUNCH_FAILED,
						"the launcher failed (exit code " + report.exitCode() + "): " + said, List.of());
		}
	}

	private static KernelCheck.Problem error(KernelCheck.Kind kind, String message, List<String> fix) {
		return new KernelCheck.Problem(kind, KernelCheck.Severity.ERROR, message, fix);
	}

	/** The module system a kernel recorded; the configured one (with that MODULEPATH) if it is gone. */
	private @Nullable ModuleSystem recordedSystem(PorticoMetadata.Modules modules) {
		List<Path> modulePath = Arrays.stream(modules.modulePath().split(":"))
			.filter((dir) -> !dir.isEmpty())
			.map(Path::of)
			.toList();
		try {
			ModuleSystemOptions options = new ModuleSystemOptions(modulePath, ModuleSystemOptions.DEFAULT_TIMEOUT);
			ModuleSystemKind kind = modules.system().equals(systemLabel(ModuleSystemKind.LMOD)) ? ModuleSystemKind.LMOD
					: ModuleSystemKind.ENVIRONMENT_MODULES;
			ToolLocation recorded = new ToolLocation(kind, Path.of(modules.command()));
			if (Files.isExecutable(recorded.command())) {
				return ModuleSystem.of(recorded, options);
			}
			return moduleSystem().withOptions(options);
		}
		catch (ModuleException | KernelException | IllegalArgumentException ex) {
			// The launcher has already reported why the modules cannot load; drift needs a tool.
			return null;
		}
	}

	/** The launcher's name for a module system: {@code lmod} or {@code environment-modules}. */
	static String systemLabel(ModuleSystemKind kind) {
		return (kind == ModuleSystemKind.LMOD) ? "lmod" : "environment-modules";
	}

	private ModuleSystem moduleSystem() {
		try {
			return this.moduleSystem.get();
		}
		catch (ModuleException ex) {
			throw new KernelException(KernelException.Reason.MODULE_SYSTEM, ex.getMessage(), List.of(), ex.toolMessage(),
					List.of(), ex);
		}
	}

	private static void requirePortico(KernelName name, Path directory) {
		if (Files.isSymbolicLink(directory) || !Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
			throw KernelException.of(KernelException.Reason.NOT_PORTICO,
					directory + " is not a kernel folder (a symbolic link or a file); Portico leaves it alone");
		}
		KernelSpec spec;
		try {
			spec = KernelSpec.read(directory.resolve(KernelSpec.FILE_NAME));
		}
		catch (UncheckedIOException ex) {
			spec = null;
		}
		if (spec == null || spec.portico() == null) {
			throw new KernelException(KernelException.Reason.NOT_PORTICO, "kernel '" + name + "' in " + directory
					+ " was not made by Portico, so Portico leaves it alone; remove it with: jupyter kernelspec remove " + name,
					List.of(), "", List.of("jupyter", "kernelspec", "remove", name.value()), null);
		}
	}

	private KernelException notFound(KernelName name, KernelLocation location) {
		List<String> names = list(List.of(location)).stream().map(InstalledKernel::name).toList();
		return KernelException.of(KernelException.Reason.NOT_FOUND, "no kernel '" + name + "' in " + location.kernelsDir()
				+ (names.isEmpty() ? " (it has none)" : " (it has: " + String.join(", ", names) + ")"));
	}

	private static InstalledKernel read(Path folder, KernelLocation location) {
		String name = folder.getFileName().toString();
		try {
			KernelSpec spec = KernelSpec.read(folder.resolve(KernelSpec.FILE_NAME));
			return new InstalledKernel(name, folder, location.shared(), spec.portico() != null, spec, null);
		}
		catch (UncheckedIOException ex) {
			return new InstalledKernel(name, folder, location.shared(), false, null, ex.getCause().getMessage());
		}
	}

	private static String readQuietly(Path file) {
		try {
			return Files.readString(file, StandardCharsets.UTF_8);
		}
		catch (IOException | UncheckedIOException ex) {
			return "";
		}
	}

	/**
	 * Personal kernels are private to the user; shared ones are readable by the kernels folder's
	 * group, and by everybody if that folder is.
	 */
	private static void restrict(Path staging, KernelLocation location) throws IOException {
		PosixFileAttributeView view = Files.getFileAttributeView(staging, PosixFileAttributeView.class);
		if (view == null) {
			return;
		}
		boolean others = false;
		if (location.shared()) {
			Set<PosixFilePermission> parent = Files.getPosixFilePermissions(location.kernelsDir());
			others = parent.contains(PosixFilePermission.OTHERS_READ) && parent.contains(PosixFilePermission.OTHERS_EXECUTE);
		}
		String folder = !location.shared() ? "rwx------" : others ? "rwxr-xr-x" : "rwxr-x---";
		String file = !location.shared() ? "rw-------" : others ? "rw-r--r--" : "rw-r-----";
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(staging)) {
			for (Path entry : entries) {
				Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString(file));
			}
		}
		Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString(folder));
	}

	/** Moves the staged kernel into place; an old one is moved aside first and then deleted. */
	private static void install(Path staging, Path directory, KernelLocation location) throws IOException {
		if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
			Path aside = Files.createTempDirectory(location.kernelsDir(), "." + directory.getFileName() + "~old-");
			Files.delete(aside);
			Files.move(directory, aside, StandardCopyOption.ATOMIC_MOVE);
			Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
			Trees.deleteQuietly(aside);
		}
		else {
			Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
		}
	}

	private static <T> Supplier<T> memoize(Supplier<T> supplier) {
		return new Supplier<>() {
			private @Nullable T value;

			@Override
			public synchronized T get() {
				if (this.value == null) {
					this.value = supplier.get();
				}
				return this.value;
			}
		};
	}

}
