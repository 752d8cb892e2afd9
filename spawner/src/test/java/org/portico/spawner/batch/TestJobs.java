package org.portico.spawner.batch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.portico.spawner.exec.CommandResult;

/** Valid specs and fixtures shared by the batch tests. */
public final class TestJobs {

	public static final String SECRET = "s3cretS3cretS3cretS3cretS3cret0123456789_-";

	private TestJobs() {
	}

	/** A plain, valid spec for user alice. */
	public static JobSpec spec() {
		return spec(Map.of("JUPYTER_TOKEN", "tok-123456"), List.of("python3", "-m", "http.server", "{port}"));
	}

	public static JobSpec spec(Map<String, String> environment, List<String> command) {
		return new JobSpec("alice", "portico-alice-lab", "interactive", null, 2, 4096, 0, null, Duration.ofHours(2), false,
				Path.of("/home/alice"), Path.of("/home/alice/.portico/lab.log"), null, environment, command,
				URI.create("https://gateway.example/hub/api/batch/ready/KEY0123456789abcdef"), SECRET, Duration.ofMinutes(5));
	}

	/** A test resource as text. */
	public static String resource(String path) {
		try (var in = TestJobs.class.getResourceAsStream("/" + path)) {
			if (in == null) {
				throw new IllegalArgumentException("no test resource " + path);
			}
			return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	/** A successful result whose stdout is a test resource. */
	public static CommandResult ok(String resourcePath) {
		return CommandResult.of(0, resource(resourcePath), "");
	}
}
