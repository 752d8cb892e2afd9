package org.portico.spawner.exec;

/** A command could not be started (no such program, no permission). */
public class CommandException extends RuntimeException {

	public CommandException(String message, Throwable cause) {
		super(message, cause);
	}
}
