package org.portico.kerneltools;

import java.nio.file.Path;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A kernelspec folder found in a kernels folder.
 *
 * @param name the folder's name, which is the kernel's name
 * @param directory the folder
 * @param shared whether it is in a shared location
 * @param portico whether kernel-tools made it (its spec has {@code metadata.portico})
 * @param spec the kernelspec, or null if {@code kernel.json} could not be read
 * @param problem why the spec could not be read, or null
 */
public record InstalledKernel(String name, Path directory, boolean shared, boolean portico, @Nullable KernelSpec spec,
		@Nullable String problem) {

	/**
	 * Checks the components.
	 */
	public InstalledKernel {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(directory, "directory");
	}

}
