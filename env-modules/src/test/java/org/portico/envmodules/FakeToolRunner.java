package org.portico.envmodules;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A scripted {@link ToolRunner}: each call takes the next (argv matcher, result) from the queue and
 * fails the test if the command does not match or nothing is left. Records every call.
 */
final class FakeToolRunner implements ToolRunner {

	record Call(List<String> command, Map<String, String> environment, Duration timeout) {
	}

	private record Step(Predicate<List<String>> matches, String description, ToolResult result,
			RuntimeException failure) {
	}

	private final Deque<Step> steps = new ArrayDeque<>();

	private final List<Call> calls = new ArrayList<>();

	/** Answers the next command whose argv ends with {@code tail} with a captured result. */
	FakeToolRunner thenCaptured(List<String> tail, String captured) {
		return then(tail, Captured.result(captured));
	}

	FakeToolRunner then(List<String> tail, ToolResult result) {
		this.steps.add(new Step((argv) -> endsWith(argv, tail), "... " + tail, result, null));
		return this;
	}

	FakeToolRunner thenFail(List<String> tail, RuntimeException failure) {
		this.steps.add(new Step((argv) -> endsWith(argv, tail), "... " + tail, null, failure));
		return this;
	}

	/** The version probes every module system starts with. */
	FakeToolRunner lmodVersion() {
		return thenCaptured(List.of("--version"), "lmod/version");
	}

	FakeToolRunner environmentModulesVersion() {
		return thenCaptured(List.of("sh", "--version"), "envmodules/version");
	}

	@Override
	public ToolResult run(List<String> command, Map<String, String> environment, Duration timeout) {
		this.calls.add(new Call(List.copyOf(command), Map.copyOf(environment), timeout));
		Step step = this.steps.poll();
		if (step == null) {
			throw new AssertionError("unexpected command " + command);
		}
		if (!step.matches().test(command)) {
			throw new AssertionError("expected " + step.description() + " but ran " + command);
		}
		if (step.failure() != null) {
			throw step.failure();
		}
		return step.result();
	}

	List<Call> calls() {
		return this.calls;
	}

	Call lastCall() {
		return this.calls.get(this.calls.size() - 1);
	}

	boolean exhausted() {
		return this.steps.isEmpty();
	}

	private static boolean endsWith(List<String> argv, List<String> tail) {
		return argv.size() >= tail.size() && argv.subList(argv.size() - tail.size(), argv.size()).equals(tail);
	}

}
