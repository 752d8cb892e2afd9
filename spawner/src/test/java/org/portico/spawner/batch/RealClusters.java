package org.portico.spawner.batch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.LocalCommandRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the loopback test schedulers with the shared scripts ({@code $PORTICO_SHARED_DIR}, else
 * {@code ../shared} beside the repository). A missing scheduler FAILS the test, loudly: these tests are part
 * of the default suite, and the scripts install what is missing.
 */
public final class RealClusters {

	private RealClusters() {
	}

	/** The shared directory: {@code $PORTICO_SHARED_DIR}, else {@code ../shared} relative to the repository root. */
	public static Path sharedDir() {
		String configured = System.getenv("PORTICO_SHARED_DIR");
		if (configured != null && !configured.isBlank()) {
			return Path.of(configured);
		}
		Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
		while (dir != null && !Files.exists(dir.resolve(".git"))) {
			dir = dir.getParent();
		}
		assertThat(dir).as("repository root (a directory holding .git) above " + System.getProperty("user.dir")).isNotNull();
		return dir.resolve("../shared").normalize();
	}

	/** Runs {@code schedulers/NAME} (idempotent; installs missing packages) and fails loudly if it fails. */
	public static void up(String script) {
		Path path = sharedDir().resolve("schedulers").resolve(script);
		assertThat(path).as("scheduler script (set PORTICO_SHARED_DIR)").isRegularFile();
		CommandResult result = LocalCommandRunner.defaults()
			.run(new CommandLine(List.of("bash", path.toString()), Map.of(), Duration.ofMinutes(5)))
			.block(Duration.ofMinutes(6));
		assertThat(result.exitCode()).as("%s failed:%n%s%n%s", script, result.stdout(), result.stderr()).isZero();
	}

	/** A fresh directory every test user may write in (as the shared smoke test does). */
	public static Path sharedWorkDir(String prefix) {
		try {
			Path dir = Files.createTempDirectory(prefix);
			Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
			return dir;
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}
}
