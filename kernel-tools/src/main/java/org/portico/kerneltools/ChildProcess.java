package org.portico.kerneltools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command as a child process: an argument list (no shell), exactly the given environment,
 * standard input closed, output to files (so a chatty child can never block on a full pipe) and a
 * hard timeout after which the child and its descendants are killed.
 */
final class ChildProcess {

	/** Output beyond this is cut; nothing kernel-tools runs should print that much. */
	private static final int MAX_OUTPUT = 1024 * 1024;

	private ChildProcess() {
	}

	/**
	 * What a finished (or killed) child returned.
	 *
	 * @param exitCode its exit code, or -1 if it timed out
	 * @param stdout its standard output
	 * @param stderr its error output
	 * @param timedOut whether it was killed for taking too long
	 */
	record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
	}

	/**
	 * Runs {@code argv} and waits for it.
	 * @throws UncheckedIOException if it cannot be started
	 */
	static Result run(List<String> argv, Map<String, String> environment, Duration timeout) {
		Path scratch;
		try {
			scratch = Files.createTempDirectory("portico-kernel-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot create a scratch folder for " + argv.get(0), ex);
		}
		try {
			return runIn(scratch, argv, environment, timeout);
		}
		finally {
			Trees.deleteQuietly(scratch);
		}
	}

	private static Result runIn(Path scratch, List<String> argv, Map<String, String> environment, Duration timeout) {
		Path out = scratch.resolve("stdout");
		Path err = scratch.resolve("stderr");
		ProcessBuilder builder = new ProcessBuilder(argv).directory(scratch.toFile())
			.redirectOutput(out.toFile())
			.redirectError(err.toFile());
		builder.environment().clear();
		builder.environment().putAll(environment);
		Process process;
		try {
			process = builder.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot run " + argv.get(0) + ": " + ex.getMessage(), ex);
		}
		try {
			process.getOutputStream().close();
			boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (!finished) {
				kill(process);
			}
			return new Result(finished ? process.exitValue() : -1, read(out), read(err), !finished);
		}
		catch (InterruptedException ex) {
			kill(process);
			Thread.currentThread().interrupt();
			throw new UncheckedIOException(new IOException("interrupted while waiting for " + argv.get(0), ex));
		}
		catch (IOException ex) {
			kill(process);
			throw new UncheckedIOException("cannot read the output of " + argv.get(0), ex);
		}
	}

	private static void kill(Process process) {
		// The launcher starts the module tool and Python; they must not outlive a timeout.
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly();
		try {
			process.waitFor(2, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static String read(Path file) throws IOException {
		try (InputStream in = Files.newInputStream(file)) {
			byte[] bytes = in.readNBytes(MAX_OUTPUT);
			return new String(bytes, StandardCharsets.UTF_8);
		}
	}

}
