package org.portico.kerneltools;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A Python the user can make a kernel with, and its version.
 *
 * @param environment the environment (for a module's Python, an {@link PythonEnvironment.Interpreter})
 * @param modules the modules that must be loaded for it (a module's Python), else empty
 * @param source where it was found, such as {@code ~/venvs}, {@code ~/.conda/environments.txt} or
 * {@code module python/3.11}
 * @param version its version, such as {@code 3.11.2}, or null if it could not be asked
 * @param problem why it could not be asked (it does not run, timed out), or null
 */
public record DiscoveredPython(PythonEnvironment environment, List<String> modules, String source,
		@Nullable String version, @Nullable String problem) {

	/**
	 * Checks and copies the components.
	 */
	public DiscoveredPython {
		Objects.requireNonNull(environment, "environment");
		modules = List.copyOf(modules);
		Objects.requireNonNull(source, "source");
	}

	/**
	 * The arguments of {@code portico kernel create} that select this Python, to which a caller adds
	 * {@code --name} and any further modules: e.g. {@code ["--venv", "/home/u/venvs/ml"]} or
	 * {@code ["--module", "python/3.11", "--python", "/usr/bin/python3"]}.
	 * @return the arguments, each a separate element
	 */
	@JsonProperty("create_arguments")
	public List<String> createArguments() {
		List<String> arguments = new ArrayList<>();
		this.modules.forEach((module) -> {
			arguments.add("--module");
			arguments.add(module);
		});
		if (this.environment instanceof PythonEnvironment.Virtualenv venv) {
			arguments.addAll(List.of("--venv", venv.path().toString()));
		}
		else if (this.environment instanceof PythonEnvironment.CondaEnv conda) {
			arguments.addAll(List.of("--conda", conda.prefix().toString()));
		}
		else if (this.environment instanceof PythonEnvironment.PyenvVersion pyenv) {
			arguments.addAll(List.of("--pyenv", pyenv.version(), "--pyenv-root", pyenv.root().toString()));
		}
		else {
			arguments.addAll(List.of("--python", this.environment.python().toString()));
		}
		return List.copyOf(arguments);
	}

}
