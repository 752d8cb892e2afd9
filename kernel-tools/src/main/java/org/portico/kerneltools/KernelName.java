package org.portico.kerneltools;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A kernel's name: the folder name of its kernelspec and the name Jupyter's API uses
 * ({@code POST /api/kernels {"name": ...}}).
 *
 * <p>Lower-case letters and digits, then up to 63 more of {@code [a-z0-9._-]}. That is narrower
 * than Jupyter's own rule (which also allows upper case and compares case-insensitively), so a name
 * is one folder on every file system, never a path, an option or anything a shell would read.
 *
 * @param value the validated name
 */
public record KernelName(String value) {

	/** The longest name accepted. */
	public static final int MAX_LENGTH = 64;

	private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0," + (MAX_LENGTH - 1) + "}");

	/**
	 * Validates the name.
	 * @throws IllegalArgumentException naming the value (quoted, shortened) and the rule
	 */
	public KernelName {
		Objects.requireNonNull(value, "value");
		if (!NAME.matcher(value).matches()) {
			throw new IllegalArgumentException("kernel name " + Texts.quote(value) + " refused: " + problem(value));
		}
	}

	/**
	 * Parses a name a user typed.
	 * @param value the name
	 * @return the validated name
	 * @throws IllegalArgumentException if it is not acceptable
	 */
	public static KernelName of(String value) {
		return new KernelName(value);
	}

	private static String problem(String value) {
		if (value.isEmpty()) {
			return "it is empty";
		}
		if (value.length() > MAX_LENGTH) {
			return "it is longer than " + MAX_LENGTH + " characters";
		}
		if (!value.equals(value.toLowerCase(java.util.Locale.ROOT)) && NAME.matcher(value.toLowerCase(java.util.Locale.ROOT)).matches()) {
			return "use lower case (" + value.toLowerCase(java.util.Locale.ROOT) + ")";
		}
		return "it must start with a lower-case letter or digit, followed only by a-z 0-9 . _ -";
	}

	@Override
	public String toString() {
		return this.value;
	}

}
