package org.portico.kerneltools;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What kernel-tools records in {@code metadata.portico} of a kernelspec it made: what was asked
 * for and what it resolved to, so that {@code check} can compare with the present.
 *
 * @param format the record's format version, {@value #FORMAT}
 * @param createdAt when the kernel was created, ISO-8601
 * @param modules the modules, or null if the kernel loads none
 * @param environment the Python environment
 * @param python the interpreter the kernel runs, absolute
 * @param pythonVersion its version at creation, such as {@code 3.11.2}
 * @param ipykernel ipykernel's version at creation
 */
public record PorticoMetadata(int format, String createdAt, @Nullable Modules modules, PythonEnvironment environment,
		String python, String pythonVersion, String ipykernel) {

	/** The current format version. */
	public static final int FORMAT = 1;

	/**
	 * Checks the components.
	 */
	public PorticoMetadata {
		Objects.requireNonNull(createdAt, "createdAt");
		Objects.requireNonNull(environment, "environment");
		Objects.requireNonNull(python, "python");
		Objects.requireNonNull(pythonVersion, "pythonVersion");
		Objects.requireNonNull(ipykernel, "ipykernel");
	}

	/**
	 * The modules of a kernel and how they were resolved.
	 *
	 * @param requested the modules as the user named them, such as {@code cuda}
	 * @param resolved the full names they loaded at creation, such as {@code cuda/12.4}, in the
	 * same order: the kernel loads exactly these (pinned)
	 * @param system {@code lmod} or {@code environment-modules}
	 * @param command the module tool's absolute path
	 * @param version the module tool's version
	 * @param modulePath the {@code MODULEPATH} the kernel loads them from
	 */
	public record Modules(List<String> requested, List<String> resolved, String system, String command, String version,
			String modulePath) {

		/**
		 * Checks and copies the components.
		 * @throws IllegalArgumentException if the lists differ in length
		 */
		public Modules {
			requested = List.copyOf(requested);
			resolved = List.copyOf(resolved);
			Objects.requireNonNull(system, "system");
			Objects.requireNonNull(command, "command");
			Objects.requireNonNull(version, "version");
			Objects.requireNonNull(modulePath, "modulePath");
			if (requested.size() != resolved.size()) {
				throw new IllegalArgumentException("one resolved module per requested module expected");
			}
		}

	}

}
