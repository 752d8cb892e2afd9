package org.portico.kerneltools.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The arguments of one subcommand, parsed against the options it accepts: {@code --opt value} or
 * {@code --opt=value}, flags without a value, and positional arguments; {@code --} ends the
 * options.
 */
final class CommandLine {

	/** How many values an option takes. */
	enum Arity {

		/** A flag such as {@code --json}. */
		FLAG,

		/** At most one value. */
		ONE,

		/** Repeatable. */
		MANY

	}

	private final Map<String, List<String>> values;

	private final List<String> positional;

	private CommandLine(Map<String, List<String>> values, List<String> positional) {
		this.values = values;
		this.positional = positional;
	}

	/**
	 * Parses arguments.
	 * @throws UsageException for an unknown option, a missing value or a repeated single option
	 */
	static CommandLine parse(String command, List<String> args, Map<String, Arity> accepted) {
		Map<String, List<String>> values = new LinkedHashMap<>();
		List<String> positional = new ArrayList<>();
		boolean optionsEnded = false;
		for (int i = 0; i < args.size(); i++) {
			String arg = args.get(i);
			if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
				positional.add(arg);
				continue;
			}
			if (arg.equals("--")) {
				optionsEnded = true;
				continue;
			}
			String name = arg;
			String value = null;
			int equals = arg.indexOf('=');
			if (arg.startsWith("--") && equals > 0) {
				name = arg.substring(0, equals);
				value = arg.substring(equals + 1);
			}
			Arity arity = accepted.get(name);
			if (arity == null) {
				throw new UsageException(command + ": unknown option " + shown(name));
			}
			if (arity == Arity.FLAG) {
				if (value != null) {
					throw new UsageException(command + ": " + name + " takes no value");
				}
				values.computeIfAbsent(name, (key) -> new ArrayList<>()).add("");
				continue;
			}
			if (value == null) {
				if (i + 1 >= args.size()) {
					throw new UsageException(command + ": " + name + " needs a value");
				}
				value = args.get(++i);
			}
			List<String> list = values.computeIfAbsent(name, (key) -> new ArrayList<>());
			if (arity == Arity.ONE && !list.isEmpty()) {
				throw new UsageException(command + ": " + name + " may be given only once");
			}
			list.add(value);
		}
		return new CommandLine(values, positional);
	}

	boolean flag(String name) {
		return this.values.containsKey(name);
	}

	@Nullable String value(String name) {
		List<String> list = this.values.get(name);
		return (list == null) ? null : list.get(0);
	}

	List<String> values(String name) {
		return this.values.getOrDefault(name, List.of());
	}

	List<String> positional() {
		return this.positional;
	}

	/** An option name as typed, bounded, for a message. */
	static String shown(String value) {
		String clean = value.codePoints()
			.map((c) -> (c < 0x20 || c == 0x7f) ? '?' : c)
			.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
			.toString();
		return (clean.length() <= 40) ? clean : clean.substring(0, 40) + "...";
	}

	/** The arguments are not what the subcommand accepts. */
	static final class UsageException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		UsageException(String message) {
			super(message);
		}

	}

}
