package org.portico.kerneltools;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.portico.envmodules.ModuleSpec;

/**
 * What a user asks for: a kernel named {@code name}, shown as {@code displayName}, that loads
 * {@code modules} in order and then activates {@code environment}.
 *
 * @param name the kernel's name (its folder)
 * @param displayName what Jupyter shows in its kernel menu: 1 to {@value #MAX_DISPLAY_NAME}
 * printable characters, trimmed
 * @param modules the modules to load, in order; at most {@value ModuleSpec#MAX_MODULES}, no
 * duplicates; may be empty
 * @param environment the Python environment
 */
public record KernelRequest(KernelName name, String displayName, List<ModuleSpec> modules,
		PythonEnvironment environment) {

	/** The longest display name accepted. */
	public static final int MAX_DISPLAY_NAME = 100;

	/**
	 * Checks and copies the components.
	 * @throws IllegalArgumentException for a display name that is empty, too long or has control
	 * or invisible characters, too many modules, or a module named twice
	 */
	public KernelRequest {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(environment, "environment");
		displayName = displayName.strip();
		modules = List.copyOf(modules);
		if (displayName.isEmpty()) {
			throw new IllegalArgumentException("display name refused: it is empty");
		}
		if (displayName.length() > MAX_DISPLAY_NAME) {
			throw new IllegalArgumentException("display name " + Texts.quote(displayName) + " refused: it is longer than "
					+ MAX_DISPLAY_NAME + " characters");
		}
		if (!displayName.codePoints().allMatch(Texts::printable)) {
			throw new IllegalArgumentException(
					"display name " + Texts.quote(displayName) + " refused: it contains a control or invisible character");
		}
		if (modules.size() > ModuleSpec.MAX_MODULES) {
			throw new IllegalArgumentException(
					"at most " + ModuleSpec.MAX_MODULES + " modules can be loaded, not " + modules.size());
		}
		if (modules.stream().map(ModuleSpec::name).distinct().count() != modules.size()) {
			throw new IllegalArgumentException("a module is named twice: "
					+ modules.stream().map(ModuleSpec::name).collect(Collectors.joining(" ")));
		}
	}

	/**
	 * A request with a display name made from the name, the modules and the environment, such as
	 * {@code ml (cuda/12.4, python/3.11, venv ml)}, shortened to fit.
	 * @param name the kernel's name
	 * @param displayName the display name, or null for the made-up one
	 * @param modules the modules
	 * @param environment the environment
	 * @return the request
	 * @throws IllegalArgumentException as the constructor
	 */
	public static KernelRequest of(KernelName name, @Nullable String displayName, List<ModuleSpec> modules,
			PythonEnvironment environment) {
		if (displayName == null || displayName.isBlank()) {
			StringBuilder made = new StringBuilder(name.value()).append(" (");
			modules.forEach((module) -> made.append(module.name()).append(", "));
			made.append(environment.label()).append(')');
			displayName = (made.length() <= MAX_DISPLAY_NAME) ? made.toString()
					: made.substring(0, MAX_DISPLAY_NAME - 4) + "...)";
			if (!displayName.codePoints().allMatch(Texts::printable)) {
				displayName = name.value();
			}
		}
		return new KernelRequest(name, displayName, modules, environment);
	}

}
