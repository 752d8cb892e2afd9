package org.portico.spawner.exec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One command to run: an argument list (never a shell string), the environment variables to set, and how
 * long it may take.
 *
 * <p>{@code environment} holds only the variables this command needs (for example {@code SGE_ROOT}); runners
 * start from a small clean base environment and never pass the gateway's own environment on. Its values may
 * be sensitive, so {@link #toString()} prints the names only.
 *
 * @param argv the program and its arguments; no element may contain a NUL character
 * @param environment variables to set for the command
 * @param timeout how long the command may run before it is killed
 */
public record CommandLine(List<String> argv, Map<String, String> environment, Duration timeout) {

	/** The timeout of {@link #of(String...)}. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

	public CommandLine {
		argv = List.copyOf(argv);
		if (argv.isEmpty()) {
			throw new IllegalArgumentException("empty argv");
		}
		for (String arg : argv) {
			if (arg.indexOf('\0') >= 0) {
				throw new IllegalArgumentException("NUL in argument");
			}
		}
		environment = Map.copyOf(environment);
		Objects.requireNonNull(timeout, "timeout");
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("timeout must be positive");
		}
	}

	/** A command with no extra environment and the default timeout. */
	public static CommandLine of(String... argv) {
		return new CommandLine(List.of(argv), Map.of(), DEFAULT_TIMEOUT);
	}

	/** A command with no extra environment and the default timeout. */
	public static CommandLine of(List<String> argv) {
		return new CommandLine(argv, Map.of(), DEFAULT_TIMEOUT);
	}

	/** This command with another timeout. */
	public CommandLine withTimeout(Duration timeout) {
		return new CommandLine(this.argv, this.environment, timeout);
	}

	/** This command with {@code more} added to its environment (replacing equal names). */
	public CommandLine withEnvironment(Map<String, String> more) {
		Map<String, String> merged = new TreeMap<>(this.environment);
		merged.putAll(more);
		return new CommandLine(this.argv, merged, this.timeout);
	}

	/** This command run through {@code prefix}, for example {@code [sudo, -n, -u, alice, --]}. */
	public CommandLine prefixed(List<String> prefix) {
		List<String> all = new ArrayList<>(prefix);
		all.addAll(this.argv);
		return new CommandLine(all, this.environment, this.timeout);
	}

	/** The program, {@code argv.get(0)}. */
	public String program() {
		return this.argv.get(0);
	}

	@Override
	public String toString() {
		// Environment values may be sensitive (and scheduler commands never carry secrets in argv): names only.
		return "CommandLine" + this.argv + (this.environment.isEmpty() ? "" : " env" + new TreeMap<>(this.environment).keySet())
				+ " timeout=" + this.timeout.toMillis() + "ms";
	}
}
