package org.portico.spawner.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Runs commands as child processes of the gateway, on {@code Schedulers.boundedElastic()}.
 *
 * <p>Each command gets a clean environment: {@code baseEnvironment} plus the command's own variables; nothing
 * of the gateway's environment leaks into it. Standard output and error are read concurrently and kept up to
 * {@code maxOutputBytes} each (the rest is read and dropped so the child never blocks on a full pipe). At its
 * timeout, or when the subscription is cancelled, the whole process tree is killed: descendants first, as
 * they are found before the parent dies.
 */
public final class LocalCommandRunner implements CommandRunner {

	private static final Logger log = LoggerFactory.getLogger(LocalCommandRunner.class);

	/** The base environment of {@link #defaults()}. */
	public static final Map<String, String> DEFAULT_ENVIRONMENT = Map.of("PATH",
			"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C");

	private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors
		.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "portico-command-output");
			thread.setDaemon(true);
			return thread;
		});

	private final Map<String, String> baseEnvironment;

	private final int maxOutputBytes;

	public LocalCommandRunner(Map<String, String> baseEnvironment, int maxOutputBytes) {
		this.baseEnvironment = Map.copyOf(baseEnvironment);
		if (maxOutputBytes < 1024) {
			throw new IllegalArgumentException("maxOutputBytes too small: " + maxOutputBytes);
		}
		this.maxOutputBytes = maxOutputBytes;
	}

	/** A standard PATH, {@code LC_ALL=C} (parsers expect the C locale), 32 MiB of output at most. */
	public static LocalCommandRunner defaults() {
		return new LocalCommandRunner(DEFAULT_ENVIRONMENT, 32 * 1024 * 1024);
	}

	@Override
	public Mono<CommandResult> run(CommandLine command, @Nullable String stdin) {
		Objects.requireNonNull(command, "command");
		return Mono.<CommandResult>create((sink) -> {
			Process process = start(command);
			sink.onCancel(() -> killTree(process));
			try {
				sink.success(await(process, command, stdin));
			}
			catch (RuntimeException ex) {
				killTree(process);
				sink.error(ex);
			}
		}).subscribeOn(Schedulers.boundedElastic());
	}

	private Process start(CommandLine command) {
		ProcessBuilder builder = new ProcessBuilder(command.argv());
		Map<String, String> env = builder.environment();
		env.clear();
		env.putAll(this.baseEnvironment);
		env.putAll(command.environment());
		try {
			return builder.start();
		}
		catch (IOException ex) {
			throw new CommandException("could not start " + command.program() + ": " + ex.getMessage(), ex);
		}
	}

	private CommandResult await(Process process, CommandLine command, @Nullable String stdin) {
		long started = System.nanoTime();
		Capture out = new Capture(process.getInputStream(), this.maxOutputBytes);
		Capture err = new Capture(process.getErrorStream(), this.maxOutputBytes);
		// Own threads, not boundedElastic: the waiting thread already holds one of its workers, and readers
		// queued behind a saturated pool would deadlock with it.
		CompletableFuture<Void> readOut = CompletableFuture.runAsync(out, READERS);
		CompletableFuture<Void> readErr = CompletableFuture.runAsync(err, READERS);
		writeStdin(process, stdin);
		boolean timedOut = false;
		try {
			if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
				timedOut = true;
				log.warn("command timed out after {} ms, killing its process tree: {}", command.timeout().toMillis(),
						command.program());
				killTree(process);
				process.waitFor(5, TimeUnit.SECONDS);
			}
			// Readers end at EOF; a grandchild that kept the pipe open is bounded by this wait.
			CompletableFuture.allOf(readOut, readErr).get(timedOut ? 2 : 10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			killTree(process);
			throw new CommandException("interrupted while waiting for " + command.program(), ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			// Output readers did not finish (a detached grandchild holds the pipe): keep what was read.
			log.debug("output of {} not fully read: {}", command.program(), ex.toString());
		}
		int exit = process.isAlive() ? -1 : process.exitValue();
		Duration duration = Duration.ofNanos(System.nanoTime() - started);
		return new CommandResult(timedOut ? -1 : exit, out.text(), err.text(), duration, timedOut,
				out.truncated() || err.truncated());
	}

	private static void writeStdin(Process process, @Nullable String stdin) {
		try (OutputStream in = process.getOutputStream()) {
			if (stdin != null) {
				in.write(stdin.getBytes(StandardCharsets.UTF_8));
			}
		}
		catch (IOException ex) {
			// The command exited without reading all of its input; its exit status tells the rest.
			log.debug("stdin not fully written: {}", ex.getMessage());
		}
	}

	/** Kills descendants first (their handles must be taken while the parent still lives), then the process. */
	static void killTree(Process process) {
		List<ProcessHandle> descendants = process.descendants().toList();
		process.destroyForcibly();
		descendants.forEach(ProcessHandle::destroyForcibly);
	}

	/** Reads a stream to its end, keeping the first {@code limit} bytes. */
	private static final class Capture implements Runnable {

		private final InputStream in;

		private final int limit;

		private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

		private volatile boolean truncated;

		Capture(InputStream in, int limit) {
			this.in = in;
			this.limit = limit;
		}

		@Override
		public void run() {
			byte[] buffer = new byte[8192];
			try (InputStream stream = this.in) {
				int n;
				while ((n = stream.read(buffer)) >= 0) {
					synchronized (this.kept) {
						int room = this.limit - this.kept.size();
						if (room > 0) {
							this.kept.write(buffer, 0, Math.min(room, n));
						}
						if (n > room) {
							this.truncated = true;
						}
					}
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		String text() {
			synchronized (this.kept) {
				return this.kept.toString(StandardCharsets.UTF_8);
			}
		}

		boolean truncated() {
			return this.truncated;
		}
	}
}
