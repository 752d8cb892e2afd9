package org.portico.kerneltools;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A kernel operation failed for a reason the user can act on: the kernel exists already or does
 * not, a module does not load, the environment or its Python is missing, ipykernel is not
 * installed. The message is meant for the user and quotes the module system's own message where
 * there is one.
 */
public final class KernelException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** Why an operation failed; {@link #label()} is stable, for metrics and JSON. */
	public enum Reason {

		/** A kernel of that name exists already. */
		EXISTS("exists"),

		/** No such kernel. */
		NOT_FOUND("not-found"),

		/** The kernel was not made by kernel-tools, so it is left alone. */
		NOT_PORTICO("not-portico"),

		/** No module system could be found or run. */
		MODULE_SYSTEM("module-system"),

		/** A module did not load (unknown, a modulefile that errors, a conflict). */
		MODULE_LOAD("module-load"),

		/** The virtualenv, conda env or pyenv version does not exist or is not one. */
		ENVIRONMENT("environment"),

		/** The Python interpreter is missing or does not run. */
		INTERPRETER("interpreter"),

		/** ipykernel is not installed for the interpreter. */
		IPYKERNEL("ipykernel"),

		/** The launcher failed in a way not listed above (it timed out, or exited unexpectedly). */
		LAUNCH("launch"),

		/** The kernel's folder could not be written, read or removed. */
		IO("io");

		private final String label;

		Reason(String label) {
			this.label = label;
		}

		/**
		 * A short label such as {@code module-load}.
		 * @return the label
		 */
		public String label() {
			return this.label;
		}

	}

	private final Reason reason;

	private final List<String> modules;

	private final String toolMessage;

	private final List<String> fix;

	/**
	 * Creates an exception.
	 * @param reason why
	 * @param message the complete message for the user
	 * @param modules the modules concerned, possibly empty
	 * @param toolMessage the module system's or launcher's own message, possibly empty
	 * @param fix a command that fixes it, as an argument list, possibly empty
	 * @param cause the underlying exception, if any
	 */
	public KernelException(Reason reason, String message, List<String> modules, String toolMessage, List<String> fix,
			@Nullable Throwable cause) {
		super(message, cause);
		this.reason = Objects.requireNonNull(reason, "reason");
		this.modules = List.copyOf(modules);
		this.toolMessage = Objects.requireNonNull(toolMessage, "toolMessage");
		this.fix = List.copyOf(fix);
	}

	static KernelException of(Reason reason, String message) {
		return new KernelException(reason, message, List.of(), "", List.of(), null);
	}

	/**
	 * Why the operation failed.
	 * @return the reason
	 */
	public Reason reason() {
		return this.reason;
	}

	/**
	 * The modules the failure is about.
	 * @return module names, possibly empty
	 */
	public List<String> modules() {
		return this.modules;
	}

	/**
	 * What the module system (or the launcher) itself said.
	 * @return the message, possibly empty
	 */
	public String toolMessage() {
		return this.toolMessage;
	}

	/**
	 * A command that fixes the problem, such as {@code /home/u/venvs/ml/bin/python -m pip install
	 * ipykernel}.
	 * @return the argument list, empty if there is none
	 */
	public List<String> fix() {
		return this.fix;
	}

	/**
	 * The fix as a person would type it in a POSIX shell, quoted where needed.
	 * @return the command line, or an empty string if there is no fix
	 */
	public String fixCommand() {
		return Texts.commandLine(this.fix);
	}

}
