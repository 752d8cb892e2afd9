package org.portico.envmodules;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * A module name as a user asks for it: {@code name} or {@code name/version}, with deeper names
 * such as {@code gcc/12.2/openmpi/4.1} allowed for hierarchical trees.
 *
 * <p>Validation is deliberately narrow, because the value ends up as an argument of a module
 * command: segments of {@code [A-Za-z0-9._+-]} separated by single slashes, at most
 * {@value #MAX_LENGTH} characters, no {@code .} or {@code ..} segment (path traversal) and no
 * segment that starts with {@code -} (it would be read as an option). Anything else, including
 * spaces, shell characters, control characters and non-ASCII letters, is refused with an
 * {@link IllegalArgumentException} that says why, before any command runs.
 *
 * @param name the validated module string, e.g. {@code cuda} or {@code cuda/12.4}
 */
public record ModuleSpec(String name) {

	/** The longest module string accepted. */
	public static final int MAX_LENGTH = 200;

	/** The most modules {@link #parseAll(String)} accepts. */
	public static final int MAX_MODULES = 32;

	private static final Pattern SEPARATOR = Pattern.compile("[ \t]+");

	private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._+-]+");

	/**
	 * Validates {@code name}.
	 * @throws IllegalArgumentException if the name is not acceptable; the message quotes it
	 * (shortened and with control characters made visible) and says what is wrong
	 */
	public ModuleSpec {
		Objects.requireNonNull(name, "name");
		String problem = problem(name);
		if (problem != null) {
			throw new IllegalArgumentException("module name " + quote(name) + " refused: " + problem);
		}
	}

	/**
	 * Parses a module string a user typed.
	 * @param name {@code name} or {@code name/version}
	 * @return the validated spec
	 * @throws IllegalArgumentException if the name is not acceptable
	 */
	public static ModuleSpec of(String name) {
		return new ModuleSpec(name);
	}

	/**
	 * Parses a list of modules as a user types it, separated by spaces or tabs:
	 * {@code "cuda/12.4 python/3.11"}.
	 * @param text the modules; blank for none
	 * @return the validated specs, in order
	 * @throws IllegalArgumentException if there are more than {@value #MAX_MODULES} modules or any
	 * of them is not acceptable (the message names which)
	 */
	public static List<ModuleSpec> parseAll(String text) {
		Objects.requireNonNull(text, "text");
		String trimmed = text.strip();
		if (trimmed.isEmpty()) {
			return List.of();
		}
		String[] names = SEPARATOR.split(trimmed);
		if (names.length > MAX_MODULES) {
			throw new IllegalArgumentException(
					"at most " + MAX_MODULES + " modules can be loaded at once, not " + names.length);
		}
		return Arrays.stream(names).map(ModuleSpec::new).toList();
	}

	/**
	 * The part before the last slash, or the whole name if there is none: {@code cuda} for
	 * {@code cuda/12.4}.
	 * @return the module's name without its version
	 */
	public String module() {
		int slash = this.name.lastIndexOf('/');
		return (slash < 0) ? this.name : this.name.substring(0, slash);
	}

	/**
	 * Whether the user named a version ({@code cuda/12.4}) rather than just a module ({@code cuda}).
	 * @return true if the name contains a slash
	 */
	public boolean hasVersion() {
		return this.name.indexOf('/') >= 0;
	}

	@Override
	public String toString() {
		return this.name;
	}

	private static @Nullable String problem(String name) {
		if (name.isEmpty()) {
			return "it is empty";
		}
		if (name.length() > MAX_LENGTH) {
			return "it is longer than " + MAX_LENGTH + " characters";
		}
		if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
			return "a slash may only separate two non-empty parts (name/version)";
		}
		for (String segment : name.split("/")) {
			if (!SEGMENT.matcher(segment).matches()) {
				return "only letters, digits and . _ + - are allowed between slashes";
			}
			if (segment.equals(".") || segment.equals("..")) {
				return "'.' and '..' are not module names";
			}
			if (segment.startsWith("-")) {
				return "a part may not start with '-'";
			}
		}
		return null;
	}

	/** Quotes a refused name for a message: bounded, and with anything unprintable escaped. */
	static String quote(String value) {
		StringBuilder out = new StringBuilder("\"");
		int limit = Math.min(value.length(), 60);
		for (int i = 0; i < limit; i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				out.append('\\').append(c);
			}
			else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !Character.isLetterOrDigit(c))) {
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

}
