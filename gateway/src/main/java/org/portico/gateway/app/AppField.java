package org.portico.gateway.app;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

/**
 * One field an app adds to the launch form ({@code fields:} in its descriptor), and the check every value
 * of it passes on the server before anything starts.
 *
 * <p>A checked value reaches the app only where the descriptor puts it: as {@code {field.NAME}} in an
 * argument of its {@code command} (the value becomes part of exactly that one argument) or of an
 * {@code environment} value, and in the variable {@code env} names. It never passes a shell.
 *
 * @param name the field's name: 1 to 32 lower-case letters, digits, {@code _} and {@code -}, starting with a
 * letter; it is the {@code NAME} of {@code {field.NAME}} and the key in the API's {@code "fields"}
 * @param label what the form shows beside it; empty: the name
 * @param help one line the form shows under it, or empty
 * @param type {@code select} (one of {@code options}), {@code number} (within {@code min}, {@code max},
 * on {@code step}), {@code text} (matching {@code pattern}, at most {@code maxLength} characters) or
 * {@code checkbox} ({@code true} or {@code false})
 * @param options the choices of a {@code select}
 * @param min the smallest {@code number}, or {@code null} for none
 * @param max the largest {@code number}, or {@code null} for none
 * @param step the {@code number}'s step from {@code min} (or 0), or {@code null} for any decimal
 * @param pattern the regular expression (Java syntax) a whole {@code text} value must match; required for text
 * @param maxLength the longest {@code text} value, 1 to 4096
 * @param defaultValue ({@code default:} in the descriptor) the value when the user gives none; it must pass
 * the field's own check; empty: none ({@code false} for a checkbox)
 * @param required whether a start without a value (and without a default) is refused
 * @param env an environment variable that receives the value, or empty
 */
public record AppField(String name, @DefaultValue("") String label, @DefaultValue("") String help, String type,
		@DefaultValue List<Option> options, @Nullable BigDecimal min, @Nullable BigDecimal max, @Nullable BigDecimal step,
		@DefaultValue("") String pattern, @DefaultValue("256") int maxLength, @Name("default") @DefaultValue("") String defaultValue,
		@DefaultValue("false") boolean required, @DefaultValue("") String env) {

	/** A field's name. */
	static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

	/** An environment variable's name as a descriptor may give it. */
	static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

	/** Keys of the start request's body and of the launch form that a field must not shadow. */
	static final Set<String> RESERVED_NAMES = Set.of("app", "hours", "profile", "queue", "immediate", "kernel", "fields", "server",
			"next", "beside", "remove", "until");

	/** Variables the gateway sets itself, or that change how every program runs: no field may set them. */
	static final Set<String> RESERVED_ENV = Set.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "SHELL", "IFS", "ENV", "BASH_ENV",
			"PYTHONPATH", "PYTHONSTARTUP", "PERL5LIB", "PERL5OPT", "NODE_OPTIONS", "JAVA_TOOL_OPTIONS");

	/** The longest value of any field: a bound for the check and the regular expression. */
	static final int LIMIT = 4096;

	/** A number as a form or JSON gives it: plain decimal, no exponent, no NaN. */
	private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,15}(\\.[0-9]{1,15})?");

	/**
	 * One choice of a {@code select}.
	 * @param value what the app gets
	 * @param label what the form shows; empty: the value
	 */
	public record Option(String value, @DefaultValue("") String label) {

		public Option {
			if (value == null || value.isEmpty()) {
				throw new IllegalArgumentException("an option needs a value");
			}
			label = (label == null || label.isEmpty()) ? value : label;
		}
	}

	public AppField {
		if (name == null || !NAME.matcher(name).matches()) {
			throw new IllegalArgumentException("a field's name is 1 to 32 lower-case letters, digits, '_' and '-', starting with a letter, not '"
					+ name + "'");
		}
		if (RESERVED_NAMES.contains(name)) {
			throw new IllegalArgumentException("field '" + name + "': the name is reserved for the start request itself " + RESERVED_NAMES);
		}
		String what = "field '" + name + "'";
		label = (label == null || label.isEmpty()) ? name : label;
		help = (help == null) ? "" : help;
		options = (options == null) ? List.of() : List.copyOf(options);
		pattern = (pattern == null) ? "" : pattern;
		defaultValue = (defaultValue == null) ? "" : defaultValue;
		env = (env == null) ? "" : env;
		if (type == null) {
			throw new IllegalArgumentException(what + " needs a type: select, number, text or checkbox");
		}
		switch (type) {
			case "select" -> {
				if (options.isEmpty()) {
					throw new IllegalArgumentException(what + ": a select needs options (value and label)");
				}
				Set<String> seen = new HashSet<>();
				for (Option option : options) {
					if (!seen.add(option.value())) {
						throw new IllegalArgumentException(what + ": the option '" + option.value() + "' is listed twice");
					}
					if (hasControl(option.value()) || option.value().length() > LIMIT) {
						throw new IllegalArgumentException(what + ": an option's value has no control characters and at most " + LIMIT
								+ " characters");
					}
				}
			}
			case "number" -> {
				if (min != null && max != null && min.compareTo(max) > 0) {
					throw new IllegalArgumentException(what + ": min is more than max");
				}
				if (step != null && step.signum() <= 0) {
					throw new IllegalArgumentException(what + ": step must be more than 0");
				}
			}
			case "text" -> {
				if (pattern.isEmpty()) {
					throw new IllegalArgumentException(what + ": a text field needs a pattern (a regular expression every value must match)");
				}
				try {
					Pattern.compile(pattern);
				}
				catch (PatternSyntaxException ex) {
					throw new IllegalArgumentException(what + ": the pattern is no regular expression: " + ex.getDescription());
				}
				if (maxLength < 1 || maxLength > LIMIT) {
					throw new IllegalArgumentException(what + ": max-length is 1 to " + LIMIT);
				}
			}
			case "checkbox" -> {
				if (!defaultValue.isEmpty() && !defaultValue.equals("true") && !defaultValue.equals("false")) {
					throw new IllegalArgumentException(what + ": a checkbox's default is true or false");
				}
			}
			default -> throw new IllegalArgumentException(what + ": the type is select, number, text or checkbox, not '" + type + "'");
		}
		if (!env.isEmpty() && (!ENV_NAME.matcher(env).matches() || RESERVED_ENV.contains(env) || env.startsWith("PORTICO_")
				|| env.startsWith("LD_"))) {
			throw new IllegalArgumentException(what + ": env '" + env + "' is no name a field may set (upper-case letters, digits and '_'; "
					+ "not " + RESERVED_ENV + ", PORTICO_* or LD_*)");
		}
		if (!defaultValue.isEmpty()) {
			try {
				checkValue(name, type, defaultValue, options, min, max, step, pattern, maxLength);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(what + ": its default does not pass its own check: " + ex.getMessage());
			}
		}
	}

	/** A checkbox is shown checked, or a select and other fields pre-filled, with this. */
	public String initial() {
		return this.type.equals("checkbox") && this.defaultValue.isEmpty() ? "false" : this.defaultValue;
	}

	/**
	 * The value the app gets for what the user gave.
	 * @param given the user's value as text (a JSON number or boolean in its JSON spelling), or {@code null}
	 * when the user gave none
	 * @return the value, normalised: a number without trailing zeros, a checkbox {@code true} or {@code false},
	 * the default when nothing was given, or {@code ""} for an optional field without one
	 * @throws IllegalArgumentException with a message that names the field when the value is refused
	 */
	public String resolve(@Nullable String given) {
		if (given == null || given.isEmpty()) {
			if (!this.defaultValue.isEmpty() && given == null) {
				return this.defaultValue;
			}
			if (this.type.equals("checkbox")) {
				return (given == null) ? initial() : "false";
			}
			if (this.required) {
				throw new IllegalArgumentException("Field '" + this.name + "' (" + this.label + ") is required.");
			}
			return "";
		}
		return checkValue(this.name, this.type, given, this.options, this.min, this.max, this.step, this.pattern, this.maxLength);
	}

	private static String checkValue(String name, String type, String value, List<Option> options, @Nullable BigDecimal min,
			@Nullable BigDecimal max, @Nullable BigDecimal step, String pattern, int maxLength) {
		String field = "Field '" + name + "'";
		if (value.length() > LIMIT) {
			throw new IllegalArgumentException(field + ": the value is longer than " + LIMIT + " characters.");
		}
		if (hasControl(value)) {
			throw new IllegalArgumentException(field + ": the value holds a control character (a newline, a tab or the like).");
		}
		if (value.contains("{port}")) {
			// the spawner replaces {port} in every argument after this: the value must reach the app as given
			throw new IllegalArgumentException(field + ": the value must not contain '{port}'.");
		}
		switch (type) {
			case "select" -> {
				if (options.stream().noneMatch((option) -> option.value().equals(value))) {
					throw new IllegalArgumentException(field + ": '" + printable(value) + "' is not one of "
							+ options.stream().map(Option::value).toList() + ".");
				}
				return value;
			}
			case "number" -> {
				if (!DECIMAL.matcher(value).matches()) {
					throw new IllegalArgumentException(field + ": '" + printable(value) + "' is not a number.");
				}
				BigDecimal number = new BigDecimal(value);
				if (min != null && number.compareTo(min) < 0 || max != null && number.compareTo(max) > 0) {
					throw new IllegalArgumentException(field + ": " + value + " is out of range ("
							+ ((min != null) ? min.toPlainString() : "any") + " to " + ((max != null) ? max.toPlainString() : "any") + ").");
				}
				if (step != null && number.subtract((min != null) ? min : BigDecimal.ZERO).remainder(step).signum() != 0) {
					throw new IllegalArgumentException(field + ": " + value + " is not on a step of " + step.toPlainString() + ".");
				}
				return number.stripTrailingZeros().toPlainString();
			}
			case "checkbox" -> {
				if (value.equals("true") || value.equals("on")) {
					return "true";
				}
				if (value.equals("false")) {
					return "false";
				}
				throw new IllegalArgumentException(field + ": a checkbox is true or false, not '" + printable(value) + "'.");
			}
			default -> {
				if (value.length() > maxLength) {
					throw new IllegalArgumentException(field + ": the value is longer than " + maxLength + " characters.");
				}
				if (!Pattern.compile(pattern).matcher(value).matches()) {
					throw new IllegalArgumentException(field + ": '" + printable(value) + "' does not match " + pattern + ".");
				}
				return value;
			}
		}
	}

	private static boolean hasControl(String value) {
		return value.codePoints().anyMatch((c) -> Character.getType(c) == Character.CONTROL || c == 0x2028 || c == 0x2029);
	}

	/** A refused value as a message may quote it: short, and only the first 40 characters. */
	private static String printable(String value) {
		return (value.length() > 40) ? value.substring(0, 40) + "…" : value;
	}
}
