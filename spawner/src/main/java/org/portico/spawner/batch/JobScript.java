package org.portico.spawner.batch;

import java.util.Objects;

/**
 * A rendered job script and, when secrets travel in a file, that file's content.
 *
 * @param script the job script (given to the scheduler; it holds no secret when {@code secrets} is not empty)
 * @param secrets shell text defining {@code PORTICO_CALLBACK_SECRET} and {@code portico_server_environment},
 * for the job's 0600 secrets file; empty when they are inline in the script
 */
public record JobScript(String script, String secrets) {

	public JobScript {
		Objects.requireNonNull(script, "script");
		Objects.requireNonNull(secrets, "secrets");
	}

	@Override
	public String toString() {
		// Both may hold secrets.
		return "JobScript[script=" + this.script.length() + " chars, secrets=" + this.secrets.length() + " chars]";
	}
}
