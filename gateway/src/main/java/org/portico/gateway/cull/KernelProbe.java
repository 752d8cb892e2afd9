package org.portico.gateway.cull;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.portico.gateway.app.AppCatalog;
import org.portico.gateway.store.ServerRecord;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Asks a Jupyter server, with its secret, what its kernels and terminals are doing
 * ({@code GET api/kernels}, {@code GET api/terminals}): the server's own truth, which no proxy
 * traffic shows while a kernel computes with no browser attached.
 */
@Component
public final class KernelProbe {

	private final HttpClient http;

	private final ObjectMapper json;

	public KernelProbe(HttpClient upstreamClient, ObjectMapper json) {
		this.http = upstreamClient;
		this.json = json;
	}

	/**
	 * Probes one running server.
	 * @return emits the state; {@link KernelState#UNKNOWN} when the server does not answer in time
	 * or answers nonsense (never an error)
	 */
	public Mono<KernelState> probe(ServerRecord record, Duration timeout) {
		if (record.target() == null || record.secret() == null) {
			return Mono.just(KernelState.UNKNOWN);
		}
		String base = record.target() + AppCatalog.baseUrl(record.user(), record.name());
		// @formatter:off
		return Mono.zip(get(base + "api/kernels", record.secret(), timeout), get(base + "api/terminals", record.secret(), timeout))
			.map((both) -> {
				boolean busy = false;
				int kernels = 0;
				for (JsonNode kernel : both.getT1()) {
					kernels++;
					busy |= "busy".equals(kernel.path("execution_state").asText());
				}
				long terminal = 0;
				for (JsonNode term : both.getT2()) {
					terminal = Math.max(terminal, millis(term.path("last_activity").asText("")));
				}
				return new KernelState(true, busy, kernels, terminal);
			})
			.onErrorReturn(KernelState.UNKNOWN);
		// @formatter:on
	}

	private Mono<JsonNode> get(String url, String secret, Duration timeout) {
		return this.http.headers((h) -> h.set(HttpHeaderNames.AUTHORIZATION, "token " + secret))
			.responseTimeout(timeout)
			.get().uri(url)
			.responseSingle((response, body) -> (response.status().code() == 200) ? body.asString()
					: Mono.error(new IllegalStateException("status " + response.status().code())))
			.map((text) -> {
				try {
					JsonNode node = this.json.readTree(text);
					if (!node.isArray()) {
						throw new IllegalStateException("not a list");
					}
					return node;
				}
				catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
					throw new IllegalStateException(ex);
				}
			})
			.timeout(timeout.plusSeconds(1));
	}

	private static long millis(String iso) {
		try {
			return iso.isEmpty() ? 0 : Instant.parse(iso).toEpochMilli();
		}
		catch (java.time.format.DateTimeParseException ex) {
			return 0;
		}
	}
}
