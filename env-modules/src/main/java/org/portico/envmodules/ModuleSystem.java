package org.portico.envmodules;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One installed module system (Lmod or Environment Modules) bound to one {@code MODULEPATH}: lists
 * the available modules and computes what loading some of them does to an environment.
 *
 * <p>Every method runs the module tool as a child process with an explicit environment and an
 * argument list (never a shell string), so it blocks the calling thread for up to
 * {@link ModuleSystemOptions#timeout()} per command and must not be called on an event loop:
 * wrap it as {@code Mono.fromCallable(..).subscribeOn(Schedulers.boundedElastic())}. The calling
 * JVM's own environment is neither read nor changed. Implementations are immutable and
 * thread-safe.
 *
 * <pre>{@code
 * ModuleSystem modules = ModuleSystem.detect(ToolLocation.defaults(System.getenv()),
 *         ModuleSystemOptions.of(List.of(Path.of("/opt/modulefiles"))));
 * EnvironmentChange change = modules.load(List.of(ModuleSpec.of("cuda/12.4")), jobEnvironment);
 * Map<String, String> withCuda = change.applyTo(jobEnvironment);
 * }</pre>
 */
public interface ModuleSystem {

	/**
	 * Which module system this is.
	 * @return the kind; never blocks
	 */
	ModuleSystemKind kind();

	/**
	 * The tool's version as it reported it when this instance was created, e.g. {@code 8.6.19}.
	 * @return the version; never blocks
	 */
	String version();

	/**
	 * Where the tool is and which kind it is.
	 * @return the location; never blocks
	 */
	ToolLocation location();

	/**
	 * The options every command runs with, including the {@code MODULEPATH}.
	 * @return the options; never blocks
	 */
	ModuleSystemOptions options();

	/**
	 * The same installation with other options, typically another {@code MODULEPATH}.
	 * @param options the new options
	 * @return a new instance; runs no command
	 */
	ModuleSystem withOptions(ModuleSystemOptions options);

	/**
	 * Lists the modules available under {@link #options()}' {@code MODULEPATH}, with their versions,
	 * default version and descriptions. Runs the tool every time (2 or 3 commands); use
	 * {@link CatalogueCache} to reuse a listing until the module tree changes.
	 * @return the catalogue, once every command has finished
	 * @throws ModuleException {@code CATALOGUE_FAILED} if the tool reported a failure,
	 * {@code TIMEOUT}, {@code TOOL_FAILED} or {@code UNEXPECTED_OUTPUT}; blocks meanwhile
	 */
	Catalogue catalogue();

	/**
	 * Computes the environment that {@code module load} of {@code modules}, in order, produces when
	 * started from {@code baseEnvironment}. The load succeeds only if the tool's exit code, its
	 * in-band status and the resulting list of loaded modules all say so; otherwise nothing of the
	 * tool's output is returned.
	 * @param modules the modules to load, at least one; already validated as {@link ModuleSpec}
	 * @param baseEnvironment the complete environment to load into (typically the job's: PATH,
	 * HOME, already loaded modules). It is the child's whole environment, except that
	 * {@code MODULEPATH} is replaced by {@link #options()}' and the tool's colour and redirection
	 * settings are neutralised
	 * @return the change, with the full names actually loaded
	 * @throws IllegalArgumentException if {@code modules} is empty, or a variable name contains
	 * {@code =} or NUL or a value contains NUL (checked before anything runs)
	 * @throws ModuleException {@code LOAD_FAILED} naming the modules and quoting the tool's message
	 * (unknown module, a modulefile that errors, a conflict, a module not loaded afterwards),
	 * {@code TIMEOUT}, {@code TOOL_FAILED} or {@code UNEXPECTED_OUTPUT}; blocks meanwhile
	 */
	EnvironmentChange load(List<ModuleSpec> modules, Map<String, String> baseEnvironment);

	/**
	 * Finds the first usable module system among {@code candidates}: its command exists, is
	 * executable and reports a version.
	 * @param candidates where to look, most preferred first, e.g.
	 * {@link ToolLocation#defaults(Map)}
	 * @param options the options the system will run with
	 * @return the module system found
	 * @throws ModuleException {@code NOT_INSTALLED}, listing every location tried and why it was
	 * not used; blocks while each candidate's version is asked
	 */
	static ModuleSystem detect(List<ToolLocation> candidates, ModuleSystemOptions options) {
		List<String> tried = new ArrayList<>();
		for (ToolLocation candidate : candidates) {
			if (!Files.isRegularFile(candidate.command()) || !Files.isExecutable(candidate.command())) {
				tried.add(candidate.command() + " (" + candidate.kind().displayName() + "): not installed");
				continue;
			}
			try {
				return of(candidate, options);
			}
			catch (ModuleException ex) {
				tried.add(candidate.command() + " (" + candidate.kind().displayName() + "): " + ex.getMessage());
			}
		}
		throw new ModuleException(ModuleException.Reason.NOT_INSTALLED, null, List.of(),
				"no module system (Lmod or Environment Modules) found; tried: " + String.join("; ", tried), "", null);
	}

	/**
	 * Uses the module system at a known location.
	 * @param location the tool and its kind
	 * @param options the options it will run with
	 * @return the module system
	 * @throws ModuleException {@code NOT_INSTALLED} if the tool does not run or report a version;
	 * blocks while asking it
	 */
	static ModuleSystem of(ToolLocation location, ModuleSystemOptions options) {
		return ModuleCommand.create(location, options, new ProcessToolRunner());
	}

}
