package org.portico.envmodules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs module commands as child processes: an argument list (no shell), an explicit environment,
 * standard input closed, a private scratch directory as working directory, and a hard timeout.
 *
 * <p>Output goes to files in the scratch directory rather than pipes, so a chatty tool can neither
 * block on a full pipe nor need reader threads. A child given no {@code HOME} gets the scratch
 * directory as {@code HOME}, so no account's dotfiles ({@code ~/.modulerc}, {@code ~/.lmod.d})
 * are read or written. Thread-safe; every call blocks its thread for up to the timeout.
 */
final class ProcessToolRunner implements ToolRunner {

	/** More output than this is not a module command working as intended. */
	static final long MAX_OUTPUT_BYTES = 64L * 1024 * 1024;

	private static final Duration KILL_GRACE = Duration.ofSeconds(2);

	@Override
	public ToolResult run(List<String> command, Map<String, String> environment, Duration timeout) {
		Path scratch;
		try {
			scratch = Files.createTempDirectory("portico-modules-");
		}
		catch (IOException ex) {
			throw failure("cannot create a scratch directory for " + command.get(0), ex);
		}
		try {
			return runIn(scratch, command, environment, timeout);
		}
		finally {
			deleteQuietly(scratch);
		}
	}

	private ToolResult runIn(Path scratch, List<String> command, Map<String, String> environment, Duration timeout) {
		Path out = scratch.resolve("stdout");
		Path err = scratch.resolve("stderr");
		ProcessBuilder builder = new ProcessBuilder(command).directory(scratch.toFile())
			.redirectOutput(out.toFile())
			.redirectError(err.toFile());
		Map<String, String> childEnvironment = builder.environment();
		childEnvironment.clear();
		childEnvironment.putAll(environment);
		childEnvironment.putIfAbsent("HOME", scratch.toString());
		Process process;
		try {
			process = builder.start();
		}
		catch (IOException ex) {
			throw failure("cannot run " + command.get(0) + ": " + ex.getMessage(), ex);
		}
		try {
			process.getOutputStream().close();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				kill(process);
				throw new ModuleException(ModuleException.Reason.TIMEOUT, null, List.of(),
						command.get(0) + " did not finish within " + timeout.toMillis() + " ms and was killed", "", null);
			}
			return new ToolResult(command, process.exitValue(), read(out), read(err));
		}
		catch (InterruptedException ex) {
			kill(process);
			Thread.currentThread().interrupt();
			throw failure("interrupted while waiting for " + command.get(0), ex);
		}
		catch (IOException ex) {
			kill(process);
			throw failure("cannot read the output of " + command.get(0), ex);
		}
	}

	private static void kill(Process process) {
		// modulecmd.tcl and lmod may have started helpers (tclsh for Tcl modulefiles under Lmod).
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly();
		try {
			process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static String read(Path file) throws IOException {
		long size = Files.size(file);
		if (size > MAX_OUTPUT_BYTES) {
			throw new ModuleException(ModuleException.Reason.UNEXPECTED_OUTPUT, null, List.of(),
					"module command printed " + size + " bytes, more than the limit of " + MAX_OUTPUT_BYTES, "", null);
		}
		try (InputStream in = Files.newInputStream(file)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static ModuleException failure(String message, Exception cause) {
		return new ModuleException(ModuleException.Reason.TOOL_FAILED, null, List.of(), message, "", cause);
	}

	private static void deleteQuietly(Path dir) {
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException | UncheckedIOException ex) {
			// A scratch directory left in the temp dir is harmless; failing the command for it is not.
		}
	}

}
