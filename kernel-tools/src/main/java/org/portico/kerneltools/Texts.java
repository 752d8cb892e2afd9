package org.portico.kerneltools;

import java.util.List;
import java.util.regex.Pattern;

/**
 * How kernel-tools shows values in messages and commands in text: quoted, bounded and with
 * anything unprintable made visible, so that a hostile value cannot forge lines in a log or a
 * terminal. Nothing here builds a command to run: commands are argument lists.
 */
final class Texts {

	private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

	private Texts() {
	}

	/**
	 * A value for a message: in double quotes, at most 60 characters, control and format
	 * characters escaped as {@code \\uXXXX}.
	 */
	static String quote(String value) {
		StringBuilder out = new StringBuilder("\"");
		int limit = Math.min(value.length(), 60);
		for (int i = 0; i < limit; i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				out.append('\\').append(c);
			}
			else if (!printable(c) && !Character.isSurrogate(c)) {
				out.append(String.format("\\u%04x", (int) c));
			}
			else {
				out.append(c);
			}
		}
		out.append('"');
		if (value.length() > limit) {
			out.append("... (").append(value.length()).append(" characters)");
		}
		return out.toString();
	}

	/**
	 * Whether a character can be shown as it is: not a control character, not a format character
	 * (such as a right-to-left override), not a line or paragraph separator, not a lone surrogate (a pair is one code point).
	 */
	static boolean printable(int codePoint) {
		int type = Character.getType(codePoint);
		return type != Character.CONTROL && type != Character.FORMAT && type != Character.LINE_SEPARATOR
				&& type != Character.PARAGRAPH_SEPARATOR && type != Character.SURROGATE && type != Character.UNASSIGNED
				&& type != Character.PRIVATE_USE;
	}

	/**
	 * An argument list as a POSIX shell would need it typed, for showing a fix to a person: words
	 * made only of safe characters stay bare, anything else is single-quoted with each {@code '}
	 * written as {@code '\''}.
	 */
	static String commandLine(List<String> argv) {
		StringBuilder out = new StringBuilder();
		for (String word : argv) {
			if (out.length() > 0) {
				out.append(' ');
			}
			out.append(shellWord(word));
		}
		return out.toString();
	}

	static String shellWord(String word) {
		if (!word.isEmpty() && PLAIN_WORD.matcher(word).matches()) {
			return word;
		}
		return "'" + word.replace("'", "'\\''") + "'";
	}

}
