package org.portico.gateway.api;

import org.springframework.http.HttpStatus;

/** A refusal of the API with a status and a message for the caller. */
public class ApiException extends RuntimeException {

	private final HttpStatus status;

	public ApiException(HttpStatus status, String message) {
		super(message);
		this.status = status;
	}

	public HttpStatus status() {
		return this.status;
	}

	static ApiException badRequest(String message) {
		return new ApiException(HttpStatus.BAD_REQUEST, message);
	}

	static ApiException notFound(String message) {
		return new ApiException(HttpStatus.NOT_FOUND, message);
	}

	static ApiException forbidden(String message) {
		return new ApiException(HttpStatus.FORBIDDEN, message);
	}
}
