package org.portico.spawner.batch;

import org.portico.spawner.SpawnRequest;

/**
 * POSIX shell quoting: every value that reaches a job script goes through {@link #quote(String)}, which turns
 * any string into exactly one shell word with exactly that text, with nothing expanded ({@code $(...)},
 * backticks, {@code $VAR}, globs, newlines, quotes).
 */
public final class ShellQuoting {

	/** What {@link #wordWithPort} puts where {@value SpawnRequest#PORT} stood. */
	static final String PORT_EXPANSION = "\"$PORTICO_PORT\"";

	private ShellQuoting() {
	}

	/**
	 * One shell word holding {@code value} literally: single quotes around it, and each {@code '} written as
	 * {@code '\''}.
	 * @throws IllegalArgumentException when {@code value} holds NUL, which no shell word can hold
	 */
	public static String quote(String value) {
		if (value.indexOf('\0') >= 0) {
			throw new IllegalArgumentException("NUL cannot be quoted for a shell");
		}
		return "'" + value.replace("'", "'\\''") + "'";
	}

	/**
	 * One shell word for a server argument in which {@value SpawnRequest#PORT} stands for the port the job
	 * picks at run time: the literal parts quoted, the port as {@code "$PORTICO_PORT"}.
	 */
	public static String wordWithPort(String arg) {
		if (!arg.contains(SpawnRequest.PORT)) {
			return quote(arg);
		}
		StringBuilder word = new StringBuilder();
		String[] parts = arg.split(java.util.regex.Pattern.quote(SpawnRequest.PORT), -1);
		for (int i = 0; i < parts.length; i++) {
			if (i > 0) {
				word.append(PORT_EXPANSION);
			}
			if (!parts[i].isEmpty()) {
				word.append(quote(parts[i]));
			}
		}
		return word.toString();
	}
}
