package org.portico.spawner.exec;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Runs a {@link CommandLine}: locally, as another user (see {@link PrefixedCommandRunner}), or remotely.
 * Implementations are thread-safe.
 */
@FunctionalInterface
public interface CommandRunner {

	/**
	 * Runs one command to its end.
	 * @param command what to run
	 * @param stdin text written to its standard input, then closed; {@code null} for an empty input
	 * @return emits one {@link CommandResult} when the command has exited, whatever its exit status, or when
	 * it was killed at its timeout ({@link CommandResult#timedOut()}); signals {@link CommandException} only
	 * when the command could not be started at all. Never blocks the subscribing thread: the waiting happens
	 * on {@code Schedulers.boundedElastic()}. Cancelling the subscription kills the command.
	 */
	Mono<CommandResult> run(CommandLine command, @Nullable String stdin);

	/** {@link #run(CommandLine, String)} with an empty standard input. */
	default Mono<CommandResult> run(CommandLine command) {
		return run(command, null);
	}
}
