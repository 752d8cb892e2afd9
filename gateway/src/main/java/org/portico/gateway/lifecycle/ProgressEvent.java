package org.portico.gateway.lifecycle;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * One event of {@code GET /hub/api/users/NAME/server/progress}, in JupyterHub's shape:
 * {@code {"progress": 50, "message": "..."}}, and at the end {@code "ready": true, "url": ...} or
 * {@code "failed": true}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProgressEvent(int progress, String message, @Nullable Boolean ready, @Nullable Boolean failed,
		@Nullable String url) {

	static ProgressEvent step(int progress, String message) {
		return new ProgressEvent(progress, message, null, null, null);
	}

	static ProgressEvent ready(String url) {
		return new ProgressEvent(100, "Server ready at " + url, true, null, url);
	}

	static ProgressEvent failed(String message) {
		return new ProgressEvent(100, message, null, true, null);
	}

	/** Whether this event ends the stream. */
	public boolean terminal() {
		return Boolean.TRUE.equals(this.ready) || Boolean.TRUE.equals(this.failed);
	}
}
