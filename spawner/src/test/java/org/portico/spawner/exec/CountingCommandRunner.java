package org.portico.spawner.exec;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** A decorator that records the argv of every command it passes on, for "how many queries" assertions. */
public final class CountingCommandRunner implements CommandRunner {

	private final CommandRunner delegate;

	private final List<List<String>> commands = new CopyOnWriteArrayList<>();

	public CountingCommandRunner(CommandRunner delegate) {
		this.delegate = delegate;
	}

	@Override
	public Mono<CommandResult> run(CommandLine command, @Nullable String stdin) {
		this.commands.add(command.argv());
		return this.delegate.run(command, stdin);
	}

	/** How many commands matched. */
	public long count(Predicate<List<String>> matcher) {
		return this.commands.stream().filter(matcher).count();
	}

	/** Forgets the commands counted so far. */
	public void reset() {
		this.commands.clear();
	}
}
