package org.portico.gateway.batch;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.portico.spawner.batch.ReadinessCallbacks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Where a batch job reports that its server listens: {@code POST /hub/api/batch/callback/KEY} with
 * {@code Authorization: Bearer SECRET} and {@code {"host": ..., "port": ...}}. No user session: the job calls
 * it, and the per-spawn key and secret are its credentials. The header is never logged.
 */
@RestController
class BatchCallbackController {

	private static final Logger log = LoggerFactory.getLogger(BatchCallbackController.class);

	private static final int MAX_BODY = 4096;

	private final ReadinessCallbacks callbacks;

	private final ObjectMapper json;

	BatchCallbackController(ReadinessCallbacks callbacks, ObjectMapper json) {
		this.callbacks = callbacks;
		this.json = json;
	}

	@PostMapping(path = BatchConfiguration.CALLBACK_PATH + "/{key}", produces = MediaType.APPLICATION_JSON_VALUE)
	Mono<ResponseEntity<Map<String, Object>>> report(@PathVariable String key, ServerWebExchange exchange) {
		String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
		String secret = (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7))
				? authorization.substring(7).strip() : "";
		// @formatter:off
		return DataBufferUtils.join(exchange.getRequest().getBody(), MAX_BODY)
			.map((buffer) -> {
				try {
					return buffer.toString(StandardCharsets.UTF_8);
				}
				finally {
					DataBufferUtils.release(buffer);
				}
			})
			.defaultIfEmpty("")
			.map((body) -> answer(key, secret, body))
			.onErrorResume(DataBufferLimitException.class, (ex) -> Mono.just(status(HttpStatus.BAD_REQUEST, "body too large")));
		// @formatter:on
	}

	private ResponseEntity<Map<String, Object>> answer(String key, String secret, String body) {
		String host;
		int port;
		try {
			JsonNode tree = this.json.readTree(body);
			JsonNode h = (tree != null) ? tree.get("host") : null;
			JsonNode p = (tree != null) ? tree.get("port") : null;
			if (h == null || !h.isTextual() || p == null || !p.canConvertToInt()) {
				return status(HttpStatus.BAD_REQUEST, "expected {\"host\": text, \"port\": number}");
			}
			host = h.textValue();
			port = p.intValue();
		}
		catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
			return status(HttpStatus.BAD_REQUEST, "the body is not JSON");
		}
		if (secret.isEmpty()) {
			return status(HttpStatus.FORBIDDEN, "no bearer secret");
		}
		ReadinessCallbacks.Result result = this.callbacks.accept(key, secret, host, port);
		HttpStatus status = switch (result.outcome()) {
			case ACCEPTED -> HttpStatus.OK;
			case RETRY_LATER -> HttpStatus.SERVICE_UNAVAILABLE;
			case UNKNOWN_KEY -> HttpStatus.NOT_FOUND;
			case FORBIDDEN, HOST_NOT_ALLOWED -> HttpStatus.FORBIDDEN;
			case INVALID -> HttpStatus.BAD_REQUEST;
		};
		log.debug("batch callback outcome={}", result.outcome());
		return status(status, result.message());
	}

	private static ResponseEntity<Map<String, Object>> status(HttpStatus status, String message) {
		return ResponseEntity.status(status).body(Map.of("status", status.value(), "message", message));
	}
}
