package org.portico.spawner.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.SpawnRequest;
import org.portico.spawner.SpawnState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server process, identified by pid and start time (a pid alone can be reused), and the process
 * group it leads. All methods block and belong on a bounded-elastic thread.
 */
record LocalProcess(long pid, Instant started, String host, int port, Path logFile) {

	private static final Logger log = LoggerFactory.getLogger(LocalProcess.class);

	/** Environment keys whose values are secrets, redacted from any log text shown to a user. */
	private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(token|secret|password|passwd|key).*");

	private static final int LOG_TAIL_LINES = 15;

	static LocalProcess from(SpawnState state) {
		if (!LocalProcessSpawner.NAME.equals(state.spawner())) {
			throw new IllegalArgumentException("not a local server: " + state.spawner());
		}
		try {
			return new LocalProcess(Long.parseLong(state.id()), Instant.ofEpochMilli(Long.parseLong(require(state, "started"))),
					require(state, "host"), Integer.parseInt(require(state, "port")), Path.of(require(state, "log")));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("malformed local state", ex);
		}
	}

	private static String require(SpawnState state, String key) {
		String value = state.get(key);
		if (value == null) {
			throw new IllegalArgumentException("local state lacks " + key);
		}
		return value;
	}

	SpawnState state() {
		return new SpawnState(LocalProcessSpawner.NAME, Long.toString(this.pid), Map.of("started",
				Long.toString(this.started.toEpochMilli()), "host", this.host, "port", Integer.toString(this.port), "log",
				this.logFile.toString()));
	}

	ServerEndpoint endpoint() {
		return new ServerEndpoint(this.host, this.port);
	}

	/** Whether this very process (same pid and start time) is still alive and not a zombie. */
	boolean isAlive() {
		Optional<ProcessHandle> handle = ProcessHandle.of(this.pid);
		if (handle.isEmpty() || !handle.get().isAlive() || isZombie(this.pid)) {
			return false;
		}
		return handle.get().info().startInstant()
			.map((start) -> Duration.between(start, this.started).abs().compareTo(Duration.ofSeconds(1)) <= 0)
			.orElse(false);
	}

	/**
	 * Ends the whole process group: SIGTERM, up to {@code grace} for it to go, then SIGKILL and up to
	 * {@code killWait}. Stopping a group that is already gone does nothing.
	 */
	void terminate(Duration grace, Duration killWait) {
		if (!isAlive() && groupMembers(this.pid).isEmpty()) {
			return;
		}
		// Taken before any signal, while the server still parents them: a terminal's shell runs in a
		// session of its own (a pty, as in code-server and Jupyter), out of reach of the group's signal.
		List<ProcessHandle> escaped = escapedDescendants();
		try {
			if (!grace.isZero()) {
				signalGroup("TERM");
				if (awaitGroupGone(grace)) {
					log.info("server process group stopped pid={}", this.pid);
					return;
				}
				log.warn("server process group ignored SIGTERM for {} s, killing pid={}", grace.toSeconds(), this.pid);
			}
			signalGroup("KILL");
			if (!awaitGroupGone(killWait)) {
				log.warn("server process group still present after SIGKILL pid={} members={}", this.pid, groupMembers(this.pid));
			}
		}
		finally {
			terminate(escaped, grace, killWait);
		}
	}

	/** The server's descendants outside its process group (own sessions or groups), still alive. */
	private List<ProcessHandle> escapedDescendants() {
		return ProcessHandle.of(this.pid)
			.map((leader) -> leader.descendants().filter((p) -> processGroup(p.pid()) != this.pid).toList())
			.orElse(List.of());
	}

	/**
	 * SIGTERM to each, up to {@code grace}, then SIGKILL to those left. ProcessHandle checks each
	 * process's start time, so a pid reused meanwhile is never signalled.
	 */
	private void terminate(List<ProcessHandle> processes, Duration grace, Duration killWait) {
		List<ProcessHandle> alive = processes.stream().filter(ProcessHandle::isAlive).toList();
		if (alive.isEmpty()) {
			return;
		}
		log.info("stopping {} processes the server started outside its group pid={}", alive.size(), this.pid);
		alive.forEach(ProcessHandle::destroy);
		long deadline = System.nanoTime() + grace.toNanos();
		while (alive.stream().anyMatch(LocalProcess::running) && System.nanoTime() < deadline) {
			sleep(50);
		}
		alive.stream().filter(LocalProcess::running).forEach(ProcessHandle::destroyForcibly);
		long killDeadline = System.nanoTime() + killWait.toNanos();
		while (alive.stream().anyMatch(LocalProcess::running) && System.nanoTime() < killDeadline) {
			sleep(50);
		}
	}

	private static boolean running(ProcessHandle process) {
		return process.isAlive() && !isZombie(process.pid());
	}

	/** The process group of {@code pid}, or -1 once it is gone. */
	private static long processGroup(long pid) {
		String stat = readStat(Path.of("/proc", Long.toString(pid)));
		if (stat == null) {
			return -1;
		}
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return (fields.length > 2) ? Long.parseLong(fields[2]) : -1;
	}

	private boolean awaitGroupGone(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		do {
			if (groupMembers(this.pid).isEmpty()) {
				awaitReaped(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
				return true;
			}
			sleep(50);
		}
		while (System.nanoTime() < deadline);
		return groupMembers(this.pid).isEmpty();
	}

	/**
	 * Waits (bounded) until the server's own process has been reaped, so that "stopped" means gone
	 * also for {@link ProcessHandle#isAlive()}: the gateway's JVM reaps its children asynchronously,
	 * and until then a dead child still counts as alive.
	 */
	private void awaitReaped(Duration timeout) {
		ProcessHandle.of(this.pid).ifPresent((handle) -> {
			try {
				handle.onExit().get(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
			}
			catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ex) {
				// not our child (after a gateway restart, init reaps it): nothing more to wait for
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
	}

	private void signalGroup(String signal) {
		// An argument list, never a shell string; "-PGID" addresses the whole group.
		List<String> argv = List.of("kill", "-s", signal, "--", "-" + this.pid);
		try {
			Process kill = new ProcessBuilder(argv).redirectErrorStream(true).start();
			if (!kill.waitFor(5, TimeUnit.SECONDS)) {
				kill.destroyForcibly();
			}
		}
		catch (IOException ex) {
			log.warn("could not signal process group pid={} signal={}: {}", this.pid, signal, ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** The live (non-zombie) members of process group {@code pgid}, read from {@code /proc}. */
	static List<Long> groupMembers(long pgid) {
		List<Long> members = new ArrayList<>();
		try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
			for (Path dir : dirs) {
				String stat = readStat(dir);
				if (stat == null) {
					continue;
				}
				// "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
				String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
				if (fields.length > 2 && !"Z".equals(fields[0]) && Long.parseLong(fields[2]) == pgid) {
					members.add(Long.parseLong(dir.getFileName().toString()));
				}
			}
		}
		catch (IOException ex) {
			log.warn("could not list /proc: {}", ex.getMessage());
		}
		return members;
	}

	private static boolean isZombie(long pid) {
		String stat = readStat(Path.of("/proc", Long.toString(pid)));
		return stat != null && stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
	}

	private static @Nullable String readStat(Path procDir) {
		try {
			return Files.readString(procDir.resolve("stat"), StandardCharsets.US_ASCII);
		}
		catch (IOException ex) {
			return null; // the process exited while we looked
		}
	}

	/**
	 * The last lines of the server's log, prefixed for a message to its owner, with every secret of
	 * the server's environment blanked out (Jupyter, for one, prints its URL with the token).
	 */
	String logTailForUser(SpawnRequest request) {
		List<String> tail = tail(this.logFile, LOG_TAIL_LINES);
		if (tail.isEmpty()) {
			return "";
		}
		String text = String.join("\n", tail);
		for (Map.Entry<String, String> entry : request.environment().entrySet()) {
			if (SECRET_KEY.matcher(entry.getKey()).matches() && entry.getValue().length() >= 4) {
				text = text.replace(entry.getValue(), "[secret]");
			}
		}
		return "\nLast lines of its log:\n" + text;
	}

	static List<String> tail(Path file, int lines) {
		Deque<String> last = new ArrayDeque<>(lines);
		try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			String line;
			while ((line = reader.readLine()) != null) {
				if (last.size() == lines) {
					last.removeFirst();
				}
				last.addLast(line);
			}
		}
		catch (IOException | java.io.UncheckedIOException ex) {
			return List.of();
		}
		return List.copyOf(last);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}
}
