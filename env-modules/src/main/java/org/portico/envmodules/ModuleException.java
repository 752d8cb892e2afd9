package org.portico.envmodules;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A module operation failed: a load the module system refused or only half did, a catalogue it
 * could not list, a tool that is missing, timed out or printed something Portico cannot read.
 *
 * <p>The message is meant for the user: it names the module system, the modules concerned and
 * quotes the module system's own message ({@link #toolMessage()}). {@link #reason()} is a short,
 * stable label fit for a metric tag.
 */
public final class ModuleException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** Why an operation failed. */
	public enum Reason {

		/** No usable module system was found at the configured locations. */
		NOT_INSTALLED("not-installed"),

		/** {@code module load} failed or did not load every requested module. */
		LOAD_FAILED("load"),

		/** Listing the available modules failed. */
		CATALOGUE_FAILED("catalogue"),

		/** The module command could not be run or read. */
		TOOL_FAILED("tool"),

		/** The tool's output could not be understood. */
		UNEXPECTED_OUTPUT("output"),

		/** The tool did not finish in time and was killed. */
		TIMEOUT("timeout");

		private final String label;

		Reason(String label) {
			this.label = label;
		}

		/**
		 * A short label such as {@code "load"}.
		 * @return the label
		 */
		public String label() {
			return this.label;
		}

	}

	private final Reason reason;

	private final @Nullable ModuleSystemKind system;

	private final List<String> modules;

	private final String toolMessage;

	/**
	 * Creates an exception.
	 * @param reason why the operation failed
	 * @param system the module system concerned, or null if none was found
	 * @param modules the modules concerned (the ones that failed to load), possibly empty
	 * @param message the complete message for the user
	 * @param toolMessage the module system's own message, possibly empty
	 * @param cause the underlying exception, if any
	 */
	public ModuleException(Reason reason, @Nullable ModuleSystemKind system, List<String> modules, String message,
			String toolMessage, @Nullable Throwable cause) {
		super(message, cause);
		this.reason = Objects.requireNonNull(reason, "reason");
		this.system = system;
		this.modules = List.copyOf(modules);
		this.toolMessage = Objects.requireNonNull(toolMessage, "toolMessage");
	}

	/**
	 * Why the operation failed.
	 * @return the reason
	 */
	public Reason reason() {
		return this.reason;
	}

	/**
	 * The module system that failed.
	 * @return the system, or null when none was found ({@link Reason#NOT_INSTALLED})
	 */
	public @Nullable ModuleSystemKind system() {
		return this.system;
	}

	/**
	 * The modules the failure is about, as the user asked for them: for a load, the requested
	 * modules that are not loaded afterwards.
	 * @return module names, possibly empty
	 */
	public List<String> modules() {
		return this.modules;
	}

	/**
	 * What the module system itself said (its error output, trimmed and bounded), so the user sees
	 * the real cause: "Unable to locate a modulefile for 'x'", a modulefile's own error, a conflict.
	 * @return the tool's message, or an empty string if it said nothing
	 */
	public String toolMessage() {
		return this.toolMessage;
	}

}
