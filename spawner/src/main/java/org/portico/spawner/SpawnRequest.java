package org.portico.spawner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to start, for whom.
 *
 * <p>{@code command} is an argument list, never a shell string. The spawner replaces the token
 * {@value #PORT} inside its arguments with the port it chose. {@code environment} is the server's
 * whole environment (nothing of the gateway's own is inherited); it holds the server's secret, so
 * spawners never log it.
 *
 * @param user the owner's Portico name
 * @param server the server's name ({@code ""} for the default server)
 * @param command the server's argument list
 * @param environment the server's complete environment
 * @param workDir the directory the server starts in
 * @param logFile where the server's output goes
 * @param startTimeout how long the server may take from launch to accepting connections
 * @param options the user's spawn-form values, already validated by the gateway (profile, hours, queue, ...),
 * for spawners that offer choices (a batch spawner's {@code OptionsResolver}); empty for none. They hold no
 * secrets, but spawners still treat them as untrusted text: each is checked again where it is used.
 */
public record SpawnRequest(String user, String server, List<String> command, Map<String, String> environment,
		Path workDir, Path logFile, Duration startTimeout, Map<String, String> options) {

	/** Replaced in {@link #command()} by the port the spawner chose. */
	public static final String PORT = "{port}";

	public SpawnRequest {
		Objects.requireNonNull(user, "user");
		Objects.requireNonNull(server, "server");
		command = List.copyOf(command);
		if (command.isEmpty()) {
			throw new IllegalArgumentException("empty command");
		}
		environment = Map.copyOf(environment);
		Objects.requireNonNull(workDir, "workDir");
		Objects.requireNonNull(logFile, "logFile");
		Objects.requireNonNull(startTimeout, "startTimeout");
		options = Map.copyOf(options);
	}

	/** A request without spawn options. */
	public SpawnRequest(String user, String server, List<String> command, Map<String, String> environment, Path workDir,
			Path logFile, Duration startTimeout) {
		this(user, server, command, environment, workDir, logFile, startTimeout, Map.of());
	}

	/** This request with {@code options} instead of its own. */
	public SpawnRequest withOptions(Map<String, String> options) {
		return new SpawnRequest(this.user, this.server, this.command, this.environment, this.workDir, this.logFile,
				this.startTimeout, options);
	}

	/** The request's command with {@link #PORT} replaced. */
	public List<String> commandFor(int port) {
		String value = Integer.toString(port);
		return this.command.stream().map((arg) -> arg.replace(PORT, value)).toList();
	}

	@Override
	public String toString() {
		// The environment holds the server's secret: never print it.
		return "SpawnRequest[user=" + this.user + ", server=" + this.server + ", command=" + this.command + ", options="
				+ new java.util.TreeMap<>(this.options) + "]";
	}
}
