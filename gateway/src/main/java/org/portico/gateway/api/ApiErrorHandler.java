package org.portico.gateway.api;

import java.util.Map;

import org.portico.gateway.lifecycle.ServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;

/** Maps the API's refusals to JupyterHub's error shape: {@code {"status": 400, "message": "..."}}. */
@RestControllerAdvice(assignableTypes = { HubApiController.class, PlacementApiController.class, GroupApiController.class })
class ApiErrorHandler {

	private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

	@ExceptionHandler(ApiException.class)
	ResponseEntity<Map<String, Object>> api(ApiException ex) {
		return body(ex.status(), ex.getMessage());
	}

	@ExceptionHandler(ServerException.class)
	ResponseEntity<Map<String, Object>> server(ServerException ex) {
		HttpStatus status = switch (ex.kind()) {
			case NOT_FOUND -> HttpStatus.NOT_FOUND;
			case CONFLICT, INVALID -> HttpStatus.BAD_REQUEST;
			case REFUSED -> HttpStatus.CONFLICT;
			case SCHEDULER -> HttpStatus.BAD_GATEWAY;
		};
		return body(status, ex.getMessage());
	}

	@ExceptionHandler({ ServerWebInputException.class, DecodingException.class })
	ResponseEntity<Map<String, Object>> input(Exception ex) {
		return body(HttpStatus.BAD_REQUEST, "The request body is not valid JSON of the expected shape.");
	}

	@ExceptionHandler(ResponseStatusException.class)
	ResponseEntity<Map<String, Object>> status(ResponseStatusException ex) {
		HttpStatus status = HttpStatus.resolve(ex.getStatusCode().value());
		return body((status != null) ? status : HttpStatus.BAD_REQUEST, (ex.getReason() != null) ? ex.getReason() : ex.getStatusCode().toString());
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<Map<String, Object>> unexpected(Exception ex) {
		log.error("API request failed", ex);
		return body(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error; the administrators can find it in the gateway's log.");
	}

	private static ResponseEntity<Map<String, Object>> body(HttpStatus status, String message) {
		return ResponseEntity.status(status).body(Map.of("status", status.value(), "message", message));
	}
}
