package org.portico.spawner.exec;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Runs every command through a fixed prefix, for example {@code sudo -n -u alice --} or
 * {@code runuser -u alice --}; see {@link CommandPrefix#forUser} to build one per user.
 */
public final class PrefixedCommandRunner implements CommandRunner {

	private final CommandRunner delegate;

	private final List<String> prefix;

	public PrefixedCommandRunner(CommandRunner delegate, List<String> prefix) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
		this.prefix = List.copyOf(prefix);
	}

	@Override
	public Mono<CommandResult> run(CommandLine command, @Nullable String stdin) {
		return this.delegate.run(command.prefixed(this.prefix), stdin);
	}

	@Override
	public String toString() {
		return "PrefixedCommandRunner" + this.prefix;
	}
}
