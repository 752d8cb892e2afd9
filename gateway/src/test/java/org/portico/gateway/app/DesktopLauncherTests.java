package org.portico.gateway.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The desktop launcher's VirtualGL switch, on the real launcher with the real Xvnc, openbox, xterm
 * and websockify; only {@code vglrun} is a stand-in (VirtualGL is no Debian package, and there is
 * no GPU here) that records how it was called and runs the program it wraps.
 */
class DesktopLauncherTests {

	private static final Path LAUNCHER = Path.of("target/classes/runtime/desktop/portico-desktop.sh");

	@TempDir
	Path dir;

	@Test
	void onRunsTheWindowManagerAndTheTerminalUnderVglrun() throws Exception {
		Path bin = Files.createDirectories(this.dir.resolve("bin"));
		Path calls = this.dir.resolve("vglrun-calls");
		Path vglrun = bin.resolve("vglrun");
		Files.writeString(vglrun, "#!/bin/sh\necho \"$VGL_DISPLAY $*\" >> '" + calls + "'\nexec \"$@\"\n");
		Files.setPosixFilePermissions(vglrun, PosixFilePermissions.fromString("rwx------"));
		Process desktop = launch(Map.of("PORTICO_DESKTOP_VIRTUALGL", "on", "PATH", bin + ":/usr/local/bin:/usr/bin:/bin"));
		try {
			Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
			while (lines(calls).size() < 2 && desktop.isAlive() && Instant.now().isBefore(deadline)) {
				Thread.sleep(200);
			}
			assertThat(lines(calls)).as("vglrun's calls (launcher log: %s)", log()).containsExactlyInAnyOrder("egl openbox", "egl xterm");
		}
		finally {
			stop(desktop);
		}
	}

	@Test
	void onWithoutVglrunRefusesToStartAndSaysWhy() throws Exception {
		Process desktop = launch(Map.of("PORTICO_DESKTOP_VIRTUALGL", "on", "PATH", this.dir + ":/usr/bin:/bin"));
		try {
			assertThat(desktop.waitFor(30, TimeUnit.SECONDS)).as("the launcher gives up at once").isTrue();
			assertThat(desktop.exitValue()).isNotZero();
			assertThat(log()).contains("vglrun (VirtualGL) is not installed");
		}
		finally {
			stop(desktop);
		}
	}

	@Test
	void anUnknownSettingIsRefused() throws Exception {
		Process desktop = launch(Map.of("PORTICO_DESKTOP_VIRTUALGL", "yes please"));
		try {
			assertThat(desktop.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(desktop.exitValue()).isNotZero();
			assertThat(log()).contains("on, auto or off, not 'yes please'");
		}
		finally {
			stop(desktop);
		}
	}

	private Process launch(Map<String, String> env) throws IOException {
		assertThat(LAUNCHER).as("the launcher is built into target/classes").isRegularFile();
		ProcessBuilder builder = new ProcessBuilder("/bin/sh", LAUNCHER.toAbsolutePath().toString(), "127.0.0.1", "0")
			.redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("launcher.log").toFile());
		builder.environment().clear();
		builder.environment().putAll(Map.of("HOME", this.dir.toString(), "TMPDIR", this.dir.toString(), "PATH", "/usr/local/bin:/usr/bin:/bin"));
		builder.environment().putAll(env);
		return builder.start();
	}

	private String log() throws IOException {
		Path log = this.dir.resolve("launcher.log");
		return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
	}

	private static List<String> lines(Path file) throws IOException {
		return Files.exists(file) ? Files.readAllLines(file) : List.of();
	}

	/** Ends the launcher and everything it started, and checks that nothing is left. */
	private static void stop(Process desktop) throws InterruptedException {
		List<ProcessHandle> all = desktop.descendants().toList();
		desktop.destroy();
		desktop.waitFor(10, TimeUnit.SECONDS);
		all.forEach(ProcessHandle::destroyForcibly);
		desktop.destroyForcibly();
		for (ProcessHandle child : all) {
			child.onExit().completeOnTimeout(child, 10, TimeUnit.SECONDS).join();
		}
		assertThat(all).as("no process of the desktop is left").noneMatch(ProcessHandle::isAlive);
	}
}
