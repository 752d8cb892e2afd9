package org.portico.envmodules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How to run a module system: which {@code MODULEPATH} to use and how long a command may take.
 *
 * <p>The {@code MODULEPATH} given here is the one every command uses; a {@code MODULEPATH} in a
 * caller's base environment is ignored, so a site's configuration decides which modules exist.
 *
 * @param modulePath the module tree directories, in {@code MODULEPATH} order; absolute, without
 * {@code :}
 * @param timeout how long one module command may run before it is killed
 */
public record ModuleSystemOptions(List<Path> modulePath, Duration timeout) {

	/** The timeout used by {@link #of(List)}. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * Checks and copies the components.
	 * @throws IllegalArgumentException if a directory is relative or contains {@code :}, the list is
	 * empty, or the timeout is not positive
	 */
	public ModuleSystemOptions {
		modulePath = List.copyOf(modulePath);
		Objects.requireNonNull(timeout, "timeout");
		if (modulePath.isEmpty()) {
			throw new IllegalArgumentException("MODULEPATH needs at least one directory");
		}
		for (Path dir : modulePath) {
			if (!dir.isAbsolute() || dir.toString().indexOf(':') >= 0 || dir.toString().indexOf('\0') >= 0) {
				throw new IllegalArgumentException(
						"MODULEPATH directory must be an absolute path without ':': " + ModuleSpec.quote(dir.toString()));
			}
		}
		modulePath = modulePath.stream().map(Path::normalize).toList();
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("timeout must be positive: " + timeout);
		}
	}

	/**
	 * Options with the default timeout.
	 * @param modulePath the module tree directories
	 * @return the options
	 */
	public static ModuleSystemOptions of(List<Path> modulePath) {
		return new ModuleSystemOptions(modulePath, DEFAULT_TIMEOUT);
	}

	/**
	 * The same options with another {@code MODULEPATH}.
	 * @param modulePath the module tree directories
	 * @return new options
	 */
	public ModuleSystemOptions withModulePath(List<Path> modulePath) {
		return new ModuleSystemOptions(modulePath, this.timeout);
	}

	/**
	 * The {@code MODULEPATH} value.
	 * @return the directories joined with {@code :}
	 */
	public String modulePathValue() {
		return this.modulePath.stream().map(Path::toString).collect(Collectors.joining(":"));
	}

}
