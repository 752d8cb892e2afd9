package org.portico.envmodules;

/**
 * Reads what {@code lmod python load ...} prints on standard output.
 *
 * <p>Lmod 8 writes one statement per line: {@code import os},
 * {@code os.environ["NAME"] = "value";}, for a removal {@code os.environ["NAME"] = ''} followed by
 * {@code del os.environ["NAME"]}, and last {@code _mlstatus = True} or {@code False}. Despite the
 * Python syntax, names and values are quoted with Lua's {@code %q}: {@code \"} and {@code \\}, a
 * newline as a backslash followed by a real newline, and other control characters as decimal
 * escapes ({@code \9} for a tab). Lmod's python shell drops aliases and shell functions, so any
 * other line is unexpected and refused rather than skipped.
 */
final class LmodPythonOutput {

	private static final String SET = "os.environ[";

	private static final String DEL = "del os.environ[";

	private final String text;

	private int pos;

	private LmodPythonOutput(String text) {
		this.text = text;
	}

	/**
	 * Parses the whole standard output.
	 * @throws MalformedOutputException at the first statement that is not one of Lmod's
	 */
	static LoadOutput parse(String stdout) {
		return new LmodPythonOutput(stdout).statements();
	}

	private LoadOutput statements() {
		LoadOutput.Builder out = new LoadOutput.Builder();
		while (true) {
			while (this.pos < this.text.length() && (peek() == '\n' || peek() == '\r')) {
				this.pos++;
			}
			if (this.pos >= this.text.length()) {
				return out.build();
			}
			if (take("import os")) {
				// nothing to record
			}
			else if (take(DEL)) {
				String name = string();
				expect("]");
				out.unset(name);
			}
			else if (take(SET)) {
				String name = string();
				expect("] = ");
				String value = string();
				take(";");
				out.set(name, value);
			}
			else if (take("_mlstatus = True")) {
				out.status(LoadOutput.Status.SUCCESS);
			}
			else if (take("_mlstatus = False")) {
				out.status(LoadOutput.Status.FAILURE);
			}
			else {
				throw new MalformedOutputException("unexpected Lmod output at " + MalformedOutputException.excerpt(this.text, this.pos));
			}
			endOfLine();
		}
	}

	private String string() {
		char quote = (this.pos < this.text.length()) ? peek() : '\0';
		if (quote == '\'') {
			// Only Lmod's literal '' before a del; it never escapes inside single quotes.
			int end = this.text.indexOf('\'', this.pos + 1);
			if (end < 0) {
				throw malformed("an unterminated string");
			}
			String value = this.text.substring(this.pos + 1, end);
			this.pos = end + 1;
			return value;
		}
		if (quote != '"') {
			throw malformed("a quoted string");
		}
		this.pos++;
		StringBuilder value = new StringBuilder();
		while (this.pos < this.text.length()) {
			char c = this.text.charAt(this.pos++);
			if (c == '"') {
				return value.toString();
			}
			if (c != '\\') {
				value.append(c);
				continue;
			}
			if (this.pos >= this.text.length()) {
				break;
			}
			char e = this.text.charAt(this.pos++);
			switch (e) {
				case '\\', '"', '\'', '\n' -> value.append(e);
				case 'n' -> value.append('\n');
				case 't' -> value.append('\t');
				case 'r' -> value.append('\r');
				case 'a' -> value.append('\u0007');
				case 'b' -> value.append('\b');
				case 'f' -> value.append('\f');
				case 'v' -> value.append('\u000B');
				default -> {
					if (e < '0' || e > '9') {
						throw malformed("a Lua escape, not \\" + e);
					}
					// Lua's decimal escape: up to three digits.
					int code = e - '0';
					for (int digits = 1; digits < 3 && this.pos < this.text.length() && isDigit(peek()); digits++) {
						code = code * 10 + (this.text.charAt(this.pos++) - '0');
					}
					if (code > 255) {
						throw malformed("a decimal escape up to 255, not " + code);
					}
					value.append((char) code);
				}
			}
		}
		throw malformed("an unterminated string");
	}

	private void endOfLine() {
		while (this.pos < this.text.length() && (peek() == ' ' || peek() == '\t' || peek() == '\r')) {
			this.pos++;
		}
		if (this.pos < this.text.length() && peek() != '\n') {
			throw malformed("the end of the line");
		}
	}

	private boolean take(String token) {
		if (this.text.startsWith(token, this.pos)) {
			this.pos += token.length();
			return true;
		}
		return false;
	}

	private void expect(String token) {
		if (!take(token)) {
			throw malformed("'" + token + "'");
		}
	}

	private char peek() {
		return this.text.charAt(this.pos);
	}

	private static boolean isDigit(char c) {
		return c >= '0' && c <= '9';
	}

	private MalformedOutputException malformed(String expected) {
		return new MalformedOutputException(
				"unexpected Lmod output: expected " + expected + " at " + MalformedOutputException.excerpt(this.text, this.pos));
	}

}
