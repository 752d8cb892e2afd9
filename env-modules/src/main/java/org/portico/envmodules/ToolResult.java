package org.portico.envmodules;

import java.util.List;
import java.util.Objects;

/**
 * What a finished module command returned.
 *
 * @param command the argument list that ran
 * @param exitCode its exit code
 * @param stdout its standard output, decoded as UTF-8
 * @param stderr its error output, decoded as UTF-8
 */
record ToolResult(List<String> command, int exitCode, String stdout, String stderr) {

	/** Longest tool message kept for users. */
	static final int MAX_MESSAGE = 4000;

	ToolResult {
		command = List.copyOf(command);
		Objects.requireNonNull(stdout, "stdout");
		Objects.requireNonNull(stderr, "stderr");
	}

	/**
	 * The tool's own message for a user: error output without terminal colour codes, runs of blank
	 * lines collapsed, trimmed and bounded.
	 */
	String message() {
		return clean(this.stderr);
	}

	static String clean(String text) {
		String plain = text.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "")
			.replace("\r", "")
			.replaceAll("[ \t]+\n", "\n")
			.replaceAll("\n{3,}", "\n\n")
			.strip();
		return (plain.length() <= MAX_MESSAGE) ? plain : plain.substring(0, MAX_MESSAGE) + " [...]";
	}

}
