package org.portico.kerneltools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.portico.envmodules.AvailableModule;
import org.portico.envmodules.ModuleException;
import org.portico.envmodules.ModuleSpec;
import org.portico.envmodules.ModuleSystem;
import org.portico.envmodules.ModuleVersion;

/**
 * Finds the Pythons a user has: virtualenvs in the configured folders, conda environments listed in
 * {@code environments.txt} or found in {@code envs_dirs}, pyenv versions, and Pythons that modules
 * named {@code python*} offer; each with its version, asked from the interpreter itself
 * ({@code python -c 'import sys; print(sys.version)'}, with a timeout).
 *
 * <p>Only folders that look like the environment they claim to be are listed (a virtualenv has
 * {@code pyvenv.cfg} or {@code bin/activate}, a conda environment has {@code conda-meta}, every one
 * has {@code bin/python}); unreadable folders are skipped. Blocks: runs each interpreter once and
 * loads each Python module once.
 */
public final class PythonDiscovery {

	/** Modules whose names start with these offer a Python. */
	private static final List<String> PYTHON_MODULES = List.of("python", "anaconda", "miniconda", "miniforge", "conda");

	/** The most module versions asked, so a site with a hundred Pythons stays quick. */
	private static final int MAX_MODULE_VERSIONS = 20;

	private final DiscoveryOptions options;

	private final Map<String, String> environment;

	private final Supplier<ModuleSystem> moduleSystem;

	/**
	 * Creates a discovery.
	 * @param options where to look
	 * @param environment the user's environment, in which interpreters are asked for their version
	 * @param moduleSystem the module system, asked only if {@link DiscoveryOptions#modules()}; may
	 * throw {@link ModuleException}, which leaves module Pythons out
	 */
	public PythonDiscovery(DiscoveryOptions options, Map<String, String> environment,
			Supplier<ModuleSystem> moduleSystem) {
		this.options = Objects.requireNonNull(options, "options");
		this.environment = Map.copyOf(environment);
		this.moduleSystem = Objects.requireNonNull(moduleSystem, "moduleSystem");
	}

	/**
	 * Finds everything.
	 * @return virtualenvs, conda environments, pyenv versions, then module Pythons, each group in
	 * path order
	 */
	public List<DiscoveredPython> discover() {
		List<DiscoveredPython> found = new ArrayList<>();
		for (Path folder : this.options.venvFolders()) {
			for (Path venv : subfolders(folder)) {
				if ((Files.isRegularFile(venv.resolve("pyvenv.cfg")) || Files.isRegularFile(venv.resolve("bin/activate")))
						&& hasPython(venv)) {
					probe(found, environment(() -> new PythonEnvironment.Virtualenv(venv)), List.of(), display(folder),
							this.environment);
				}
			}
		}
		for (Map.Entry<Path, String> conda : condaEnvironments().entrySet()) {
			probe(found, environment(() -> new PythonEnvironment.CondaEnv(conda.getKey())), List.of(), conda.getValue(),
					this.environment);
		}
		for (String version : pyenvVersions(this.options.pyenvRoot())) {
			if (hasPython(this.options.pyenvRoot().resolve("versions").resolve(version))) {
				probe(found, environment(() -> new PythonEnvironment.PyenvVersion(this.options.pyenvRoot(), version)),
						List.of(), display(this.options.pyenvRoot().resolve("versions")), this.environment);
			}
		}
		if (this.options.modules()) {
			modulePythons(found);
		}
		return List.copyOf(found);
	}

	/**
	 * Finds a conda environment by its name (its folder's name), as {@code conda activate NAME}
	 * does.
	 * @param name the name
	 * @return its prefix, or empty
	 */
	public Optional<Path> condaByName(String name) {
		return condaEnvironments().keySet()
			.stream()
			.filter((prefix) -> prefix.getFileName() != null && prefix.getFileName().toString().equals(name))
			.findFirst();
	}

	/**
	 * The conda environments: those in {@code environments.txt}, then the sub-folders of each
	 * {@code envs_dirs} entry in {@code .condarc} and of the default folders.
	 * @return prefix to where it was found, in order
	 */
	Map<Path, String> condaEnvironments() {
		Map<Path, String> prefixes = new java.util.LinkedHashMap<>();
		for (String line : lines(this.options.condaEnvironmentsFile())) {
			String entry = line.strip();
			if (!entry.isEmpty() && !entry.startsWith("#") && Path.of(entry).isAbsolute()) {
				prefixes.putIfAbsent(Path.of(entry).normalize(), display(this.options.condaEnvironmentsFile()));
			}
		}
		List<Path> dirs = new ArrayList<>();
		for (String dir : envsDirs(lines(this.options.condaRc()))) {
			Path path = dir.startsWith("~/") ? this.options.home().resolve(dir.substring(2)) : Path.of(dir);
			if (path.isAbsolute()) {
				dirs.add(path.normalize());
			}
		}
		dirs.addAll(this.options.condaEnvsDirs());
		for (Path dir : dirs) {
			if (Files.isDirectory(dir.resolve("conda-meta"))) {
				prefixes.putIfAbsent(dir, display(dir));
			}
			for (Path prefix : subfolders(dir)) {
				prefixes.putIfAbsent(prefix, display(dir));
			}
		}
		prefixes.keySet().removeIf((prefix) -> !Files.isDirectory(prefix.resolve("conda-meta")) || !hasPython(prefix));
		return prefixes;
	}

	/**
	 * The {@code envs_dirs} entries of a {@code .condarc}: a block list ({@code - dir} lines) or a
	 * flow list ({@code [a, b]}). Only this key is read, so no YAML library is needed.
	 */
	static List<String> envsDirs(List<String> condarc) {
		List<String> dirs = new ArrayList<>();
		boolean inList = false;
		for (String raw : condarc) {
			String line = raw.replaceAll("\\s+#.*$", "");
			if (line.strip().isEmpty()) {
				continue;
			}
			if (line.startsWith("envs_dirs:")) {
				String rest = line.substring("envs_dirs:".length()).strip();
				if (rest.startsWith("[") && rest.endsWith("]")) {
					for (String item : rest.substring(1, rest.length() - 1).split(",")) {
						addUnquoted(dirs, item);
					}
				}
				inList = rest.isEmpty();
				continue;
			}
			if (inList && line.strip().startsWith("- ")) {
				addUnquoted(dirs, line.strip().substring(2));
			}
			else {
				inList = false;
			}
		}
		return dirs;
	}

	private static void addUnquoted(List<String> dirs, String item) {
		String value = item.strip();
		if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
			value = value.substring(1, value.length() - 1);
		}
		if (!value.isEmpty()) {
			dirs.add(value);
		}
	}

	/**
	 * The versions installed in a pyenv root ({@code ROOT/versions/*}), sorted.
	 * @param root pyenv's root
	 * @return the version names, possibly empty
	 */
	static List<String> pyenvVersions(Path root) {
		return subfolders(root.resolve("versions")).stream().map((path) -> path.getFileName().toString()).sorted().toList();
	}

	private void modulePythons(List<DiscoveredPython> found) {
		ModuleSystem system;
		List<String> names = new ArrayList<>();
		try {
			system = this.moduleSystem.get();
			for (AvailableModule module : system.catalogue().modules()) {
				String lower = module.name().toLowerCase(Locale.ROOT);
				if (PYTHON_MODULES.stream().anyMatch(lower::startsWith)) {
					module.versions().stream().map(ModuleVersion::fullName).forEach(names::add);
				}
			}
		}
		catch (ModuleException ex) {
			// No module system, or it cannot list: there are no module Pythons to offer.
			return;
		}
		for (String name : names.subList(0, Math.min(names.size(), MAX_MODULE_VERSIONS))) {
			Map<String, String> loaded;
			try {
				loaded = system.load(List.of(ModuleSpec.of(name)), this.environment).applyTo(this.environment);
			}
			catch (ModuleException | IllegalArgumentException ex) {
				found.add(new DiscoveredPython(new PythonEnvironment.Interpreter(Path.of("python3")), List.of(name),
						"module " + name, null, "module load failed: " + ex.getMessage()));
				continue;
			}
			Path python = KernelTools.which("python3", loaded);
			if (python == null) {
				python = KernelTools.which("python", loaded);
			}
			if (python != null) {
				Path interpreter = python;
				probe(found, environment(() -> new PythonEnvironment.Interpreter(interpreter)), List.of(name), "module " + name,
						loaded);
			}
		}
	}

	/** Asks the interpreter for its version and adds what was found. */
	private void probe(List<DiscoveredPython> found, @Nullable PythonEnvironment environment, List<String> modules,
			String source, Map<String, String> probeEnvironment) {
		if (environment == null) {
			return;
		}
		String version = null;
		String problem = null;
		try {
			ChildProcess.Result result = ChildProcess.run(
					List.of(environment.python().toString(), "-c", "import sys; print(sys.version)"), probeEnvironment,
					this.options.probeTimeout());
			String first = result.stdout().strip().split("\\s+", 2)[0];
			if (result.timedOut()) {
				problem = "did not answer within " + this.options.probeTimeout().toSeconds() + " s";
			}
			else if (result.exitCode() != 0 || !first.matches("\\d+\\.\\d+\\S*")) {
				problem = "does not run (exit code " + result.exitCode() + ")"
						+ (result.stderr().isBlank() ? "" : ": " + Launcher.clean(result.stderr()));
			}
			else {
				version = first;
			}
		}
		catch (UncheckedIOException ex) {
			problem = "does not run: " + ex.getMessage();
		}
		found.add(new DiscoveredPython(environment, modules, source, version, problem));
	}

	/** A folder name that the path rules refuse (a ':' in it) is left out rather than failing. */
	private static @Nullable PythonEnvironment environment(Supplier<PythonEnvironment> make) {
		try {
			return make.get();
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private String display(Path path) {
		return path.startsWith(this.options.home()) ? "~/" + this.options.home().relativize(path) : path.toString();
	}

	private static boolean hasPython(Path prefix) {
		Path python = prefix.resolve("bin/python");
		return Files.isRegularFile(python) && Files.isExecutable(python);
	}

	private static List<Path> subfolders(Path folder) {
		if (!Files.isDirectory(folder)) {
			return List.of();
		}
		Set<Path> folders = new LinkedHashSet<>();
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, Files::isDirectory)) {
			entries.forEach((entry) -> folders.add(entry.normalize()));
		}
		catch (IOException | UncheckedIOException ex) {
			// An unreadable folder has nothing to offer; discovery goes on with the others.
			return List.of();
		}
		return folders.stream().sorted().toList();
	}

	private static List<String> lines(Path file) {
		try {
			return Files.isRegularFile(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
		}
		catch (IOException | UncheckedIOException ex) {
			return List.of();
		}
	}

}
