package org.portico.spawner.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A scripted {@link CommandRunner}: rules of (argv matcher, canned result), checked in order, one-shot rules
 * first; records every call. A command no rule matches fails the test loudly. Results are emitted
 * synchronously, so virtual-time tests control every delay.
 */
public final class FakeCommandRunner implements CommandRunner {

	/** One recorded call. */
	public record Call(CommandLine command, @Nullable String stdin) {

		public List<String> argv() {
			return this.command.argv();
		}
	}

	private record Rule(Predicate<List<String>> matcher, Function<Call, Mono<CommandResult>> answer, boolean once) {
	}

	private final List<Rule> rules = new CopyOnWriteArrayList<>();

	private final List<Call> calls = new CopyOnWriteArrayList<>();

	/** Answers every matching command with {@code result}. */
	public FakeCommandRunner on(Predicate<List<String>> matcher, CommandResult result) {
		return answer(matcher, (call) -> Mono.just(result), false);
	}

	/** Answers the next matching command with {@code result}, before any repeating rule. */
	public FakeCommandRunner once(Predicate<List<String>> matcher, CommandResult result) {
		return answer(matcher, (call) -> Mono.just(result), true);
	}

	/** Answers matching commands however {@code answer} says (delays, errors, never). */
	public FakeCommandRunner answer(Predicate<List<String>> matcher, Function<Call, Mono<CommandResult>> answer, boolean once) {
		this.rules.add(new Rule(matcher, answer, once));
		return this;
	}

	/** Forgets all rules (calls stay recorded). */
	public FakeCommandRunner clearRules() {
		this.rules.clear();
		return this;
	}

	@Override
	public Mono<CommandResult> run(CommandLine command, @Nullable String stdin) {
		return Mono.defer(() -> {
			Call call = new Call(command, stdin);
			this.calls.add(call);
			for (boolean once : new boolean[] { true, false }) {
				for (Rule rule : this.rules) {
					if (rule.once() == once && rule.matcher().test(command.argv())) {
						if (once) {
							this.rules.remove(rule);
						}
						return rule.answer().apply(call);
					}
				}
			}
			return Mono.error(new AssertionError("unexpected command " + command));
		});
	}

	/** Every call so far. */
	public List<Call> calls() {
		return new ArrayList<>(this.calls);
	}

	/** The calls whose argv matches. */
	public List<Call> calls(Predicate<List<String>> matcher) {
		return this.calls.stream().filter((c) -> matcher.test(c.argv())).toList();
	}

	/** argv runs {@code program} (an element equal to it or ending in "/program"), after any prefix. */
	public static Predicate<List<String>> program(String program) {
		return (argv) -> argv.stream().anyMatch((a) -> a.equals(program) || a.endsWith("/" + program));
	}

	/** argv holds all of {@code parts} as elements. */
	public static Predicate<List<String>> argvContains(String... parts) {
		return (argv) -> argv.containsAll(Arrays.asList(parts));
	}
}
