package org.portico.kerneltools;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What {@link KernelTools#check} found about one kernel: nothing (it will start as it was made), or
 * problems, each with what to do about it.
 *
 * @param name the kernel's name
 * @param directory its folder
 * @param problems the problems found, errors first
 */
public record KernelCheck(String name, Path directory, List<Problem> problems) {

	/**
	 * Checks and copies the components; sorts errors before warnings.
	 */
	public KernelCheck {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(directory, "directory");
		problems = problems.stream().sorted((a, b) -> a.severity().compareTo(b.severity())).toList();
	}

	/**
	 * Whether the kernel will start: no problem of severity {@link Severity#ERROR}.
	 * @return true if it will
	 */
	@JsonProperty("ok")
	public boolean ok() {
		return this.problems.stream().noneMatch((problem) -> problem.severity() == Severity.ERROR);
	}

	/** How bad a problem is. */
	public enum Severity {

		/** The kernel will not start (it dies with this message in Jupyter's log). */
		ERROR,

		/** The kernel starts, but not as it was made or as the user may expect. */
		WARNING;

		@JsonValue
		String label() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}

	}

	/** What kind of problem. */
	public enum Kind {

		/** The kernel's modules do not load now. */
		MODULE_LOAD_FAILED,

		/** The module tool recorded for the kernel is not installed. */
		MODULE_SYSTEM_MISSING,

		/** The modules loaded, but not under the pinned names. */
		MODULES_CHANGED,

		/** A module the user named now resolves to another version than the pinned one. */
		MODULE_DRIFT,

		/** The virtualenv, conda env or pyenv version is gone. */
		MISSING_ENVIRONMENT,

		/** The interpreter is gone or does not run. */
		MISSING_INTERPRETER,

		/** ipykernel cannot be imported by the interpreter. */
		MISSING_IPYKERNEL,

		/** The interpreter runs, but reports another version than at creation. */
		PYTHON_CHANGED,

		/** The launcher next to {@code kernel.json} is not the one this kernel-tools writes. */
		LAUNCHER_OUTDATED,

		/** The launcher failed in a way not listed above. */
		LAUNCH_FAILED,

		/** {@code kernel.json} cannot be read. */
		INVALID_SPEC,

		/** The kernel was not made by kernel-tools, so only its command was checked. */
		NOT_PORTICO;

		@JsonValue
		String label() {
			return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}

	}

	/**
	 * One problem.
	 *
	 * @param kind what kind
	 * @param severity how bad
	 * @param message what is wrong, for the user; quotes the module system where it spoke
	 * @param fix a command that fixes it, as an argument list; empty if there is none
	 */
	public record Problem(Kind kind, Severity severity, String message, List<String> fix) {

		/**
		 * Checks and copies the components.
		 */
		public Problem {
			Objects.requireNonNull(kind, "kind");
			Objects.requireNonNull(severity, "severity");
			Objects.requireNonNull(message, "message");
			fix = List.copyOf(fix);
		}

		/**
		 * The fix as a person would type it in a POSIX shell, quoted where needed.
		 * @return the command line, or an empty string if there is no fix
		 */
		@JsonProperty("fix_command")
		public String fixCommand() {
			return Texts.commandLine(this.fix);
		}

	}

}
