package org.portico.spawner.batch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A tiny stand-in for the gateway's readiness endpoint: {@code POST /ready/KEY} with a bearer secret and
 * {@code {"host", "port"}}, handed to {@link ReadinessCallbacks#accept} and answered as the gateway should
 * (200, 503 to retry, 404, 403, 400). Binds an ephemeral port on loopback.
 */
public final class CallbackServer implements AutoCloseable {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final HttpServer server;

	private final List<ReadinessCallbacks.Outcome> outcomes = new CopyOnWriteArrayList<>();

	public CallbackServer(ReadinessCallbacks callbacks) throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.createContext("/ready/", (exchange) -> handle(exchange, callbacks));
		this.server.start();
	}

	/** The base URL a {@link BatchSpawnerSettings#callbackBase()} takes. */
	public URI base() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/ready");
	}

	/** The outcome of every report so far. */
	public List<ReadinessCallbacks.Outcome> outcomes() {
		return List.copyOf(this.outcomes);
	}

	private void handle(HttpExchange exchange, ReadinessCallbacks callbacks) throws IOException {
		try (exchange) {
			String key = exchange.getRequestURI().getPath().substring("/ready/".length());
			String auth = exchange.getRequestHeaders().getFirst("Authorization");
			String secret = (auth != null && auth.startsWith("Bearer ")) ? auth.substring(7) : "";
			JsonNode body = JSON.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
			ReadinessCallbacks.Result result = callbacks.accept(key, secret, body.path("host").asText(""), body.path("port").asInt(-1));
			this.outcomes.add(result.outcome());
			int status = switch (result.outcome()) {
				case ACCEPTED -> 200;
				case RETRY_LATER -> 503;
				case UNKNOWN_KEY -> 404;
				case FORBIDDEN, HOST_NOT_ALLOWED -> 403;
				case INVALID -> 400;
			};
			byte[] answer = result.message().getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(status, answer.length);
			exchange.getResponseBody().write(answer);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}
}
