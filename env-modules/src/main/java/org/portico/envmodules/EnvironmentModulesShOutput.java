package org.portico.envmodules;

import org.jspecify.annotations.Nullable;

/**
 * Reads what {@code modulecmd.tcl sh load ...} prints on standard output.
 *
 * <p>Environment Modules renders the environment first, one statement per variable:
 * {@code NAME=value; export NAME;} or {@code unset NAME;}, where every shell-special character of
 * the value (including {@code \}, {@code ;}, quotes and space) is escaped with a backslash and a
 * newline is left as it is. Then come aliases, shell functions, {@code cd} and whatever a
 * modulefile printed with {@code puts stdout}, and last the status: {@code test 0;} or
 * {@code test 0 = 1;}. A load that changes nothing prints nothing at all.
 *
 * <p>The {@code sh} rendering is read instead of {@code python} because it is unambiguous: the
 * python rendering escapes only the quote, so a value ending in a backslash cannot be told apart
 * from an escaped quote. Names are not escaped in either, and a name may even contain a space, so a
 * line counts as a variable only if its closing {@code export NAME;} repeats the same name. Lines
 * that are not variables or the status are counted as ignored.
 */
final class EnvironmentModulesShOutput {

	private static final String SUCCESS = "test 0;";

	private static final String FAILURE = "test 0 = 1;";

	private final String text;

	private int pos;

	private EnvironmentModulesShOutput(String text) {
		this.text = text;
	}

	/**
	 * Parses the whole standard output.
	 * @throws MalformedOutputException if anything follows the status line
	 */
	static LoadOutput parse(String stdout) {
		return new EnvironmentModulesShOutput(stdout).statements();
	}

	private LoadOutput statements() {
		LoadOutput.Builder out = new LoadOutput.Builder();
		boolean statusSeen = false;
		while (true) {
			while (this.pos < this.text.length() && this.text.charAt(this.pos) == '\n') {
				this.pos++;
			}
			if (this.pos >= this.text.length()) {
				return out.build();
			}
			if (statusSeen) {
				throw new MalformedOutputException("unexpected Environment Modules output after its status line: "
						+ MalformedOutputException.excerpt(this.text, this.pos));
			}
			int lineEnd = lineEnd(this.pos);
			String line = this.text.substring(this.pos, lineEnd);
			if (line.equals(SUCCESS) || line.equals(FAILURE)) {
				out.status(line.equals(SUCCESS) ? LoadOutput.Status.SUCCESS : LoadOutput.Status.FAILURE);
				statusSeen = true;
				this.pos = lineEnd;
			}
			else if (line.startsWith("unset ") && line.endsWith(";") && !line.startsWith("unset -f ")) {
				out.unset(line.substring("unset ".length(), line.length() - 1));
				this.pos = lineEnd;
			}
			else if (!assignment(out)) {
				out.ignore();
				this.pos = lineEnd;
			}
		}
	}

	/** Reads {@code NAME=value; export NAME;} at the current position, or leaves it untouched. */
	private boolean assignment(LoadOutput.Builder out) {
		int start = this.pos;
		int lineEnd = lineEnd(start);
		int equals = this.text.indexOf('=', start);
		if (equals <= start || equals > lineEnd) {
			return false;
		}
		String name = this.text.substring(start, equals);
		this.pos = equals + 1;
		String value = escapedValue();
		String tail = " export " + name + ";";
		if (value == null || !this.text.startsWith(tail, this.pos)) {
			this.pos = start;
			return false;
		}
		this.pos += tail.length();
		int end = lineEnd(this.pos);
		if (!this.text.substring(this.pos, end).isBlank()) {
			this.pos = start;
			return false;
		}
		this.pos = end;
		out.set(name, value);
		return true;
	}

	/** A value up to its unescaped {@code ;}, unescaped; null if there is no such {@code ;}. */
	private @Nullable String escapedValue() {
		StringBuilder value = new StringBuilder();
		while (this.pos < this.text.length()) {
			char c = this.text.charAt(this.pos++);
			if (c == ';') {
				return value.toString();
			}
			if (c == '\\' && this.pos < this.text.length()) {
				value.append(this.text.charAt(this.pos++));
			}
			else {
				value.append(c);
			}
		}
		return null;
	}

	private int lineEnd(int from) {
		int newline = this.text.indexOf('\n', from);
		return (newline < 0) ? this.text.length() : newline;
	}

}
