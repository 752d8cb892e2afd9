package org.portico.gateway.lifecycle;

/**
 * A request about a server that cannot be honoured as asked (start what runs, stop what does not);
 * the message is for the person who asked.
 */
public class ServerException extends RuntimeException {

	/** What kind of refusal, mapped to an HTTP status at the edge. */
	public enum Kind {
		/** The request contradicts the server's state (400). */
		CONFLICT,
		/** The thing asked for does not exist (404). */
		NOT_FOUND,
		/** The request itself is malformed (400). */
		INVALID,
		/** The request is well-formed but cannot be honoured now, e.g. a full placement pool (409). */
		REFUSED,
		/** The scheduler refused or failed what the gateway asked of it on the user's behalf (502). */
		SCHEDULER
	}

	private final Kind kind;

	public ServerException(Kind kind, String message) {
		super(message);
		this.kind = kind;
	}

	public Kind kind() {
		return this.kind;
	}
}
