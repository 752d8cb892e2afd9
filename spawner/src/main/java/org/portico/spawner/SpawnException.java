package org.portico.spawner;

import java.util.Objects;

/**
 * An expected failure of a spawn: the server could not be launched, exited early, or timed out.
 *
 * <p>{@link #reason()} is a short label ({@code "launch"}, {@code "exited"}, {@code "timeout"},
 * {@code "gone"}) fit for a metric tag; {@link #userMessage()} is shown to the user and never holds
 * secrets; {@link #getMessage()} may hold more detail for the log.
 */
public class SpawnException extends RuntimeException {

	private final String reason;

	private final String userMessage;

	public SpawnException(String reason, String userMessage, String logMessage) {
		this(reason, userMessage, logMessage, null);
	}

	public SpawnException(String reason, String userMessage, String logMessage, Throwable cause) {
		super(logMessage, cause);
		this.reason = Objects.requireNonNull(reason, "reason");
		this.userMessage = Objects.requireNonNull(userMessage, "userMessage");
	}

	public String reason() {
		return this.reason;
	}

	public String userMessage() {
		return this.userMessage;
	}
}
