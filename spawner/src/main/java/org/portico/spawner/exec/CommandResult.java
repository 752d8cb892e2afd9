package org.portico.spawner.exec;

import java.time.Duration;
import java.util.Objects;

/**
 * What a finished command produced.
 *
 * @param exitCode the exit status ({@code -1} when it was killed after {@code timedOut})
 * @param stdout its standard output, decoded as UTF-8, cut at the runner's limit
 * @param stderr its standard error, likewise
 * @param duration how long it ran
 * @param timedOut whether the runner killed it at its timeout
 * @param truncated whether either output was cut at the runner's limit (a parser must then not take the
 * output as complete)
 */
public record CommandResult(int exitCode, String stdout, String stderr, Duration duration, boolean timedOut,
		boolean truncated) {

	public CommandResult {
		Objects.requireNonNull(stdout, "stdout");
		Objects.requireNonNull(stderr, "stderr");
		Objects.requireNonNull(duration, "duration");
	}

	/** A finished, complete result; handy in tests. */
	public static CommandResult of(int exitCode, String stdout, String stderr) {
		return new CommandResult(exitCode, stdout, stderr, Duration.ZERO, false, false);
	}

	/** Exit status 0, not timed out, output complete. */
	public boolean success() {
		return this.exitCode == 0 && !this.timedOut && !this.truncated;
	}

	/**
	 * The first non-blank lines of stderr (else stdout), at most {@code maxChars}, for a message to a user:
	 * scheduler commands explain their refusals there.
	 */
	public String message(int maxChars) {
		String text = this.stderr.isBlank() ? this.stdout : this.stderr;
		text = text.strip();
		if (this.timedOut) {
			text = "timed out after " + this.duration.toMillis() + " ms" + (text.isEmpty() ? "" : ": " + text);
		}
		return (text.length() > maxChars) ? text.substring(0, maxChars) + "..." : text;
	}

	@Override
	public String toString() {
		// Output can be large and may hold other users' data (qstat -f): sizes only.
		return "CommandResult[exit=" + this.exitCode + ", stdout=" + this.stdout.length() + " chars, stderr="
				+ this.stderr.length() + " chars, duration=" + this.duration.toMillis() + "ms"
				+ (this.timedOut ? ", timedOut" : "") + (this.truncated ? ", truncated" : "") + "]";
	}
}
