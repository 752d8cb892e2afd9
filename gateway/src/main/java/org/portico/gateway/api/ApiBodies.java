package org.portico.gateway.api;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Reading a small JSON body whatever its content type, as JupyterHub does; an absent body is {@code {}}. */
final class ApiBodies {

	private static final int MAX_BODY = 64 * 1024;

	private ApiBodies() {
	}

	static Mono<JsonNode> read(ServerWebExchange exchange, ObjectMapper json) {
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
			.onErrorMap(DataBufferLimitException.class, (ex) -> ApiException.badRequest("The request body is too large."))
			.map((text) -> {
				if (text.isBlank()) {
					return json.createObjectNode();
				}
				try {
					return json.readTree(text);
				}
				catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
					throw ApiException.badRequest("The request body is not valid JSON: " + ex.getOriginalMessage());
				}
			});
		// @formatter:on
	}
}
