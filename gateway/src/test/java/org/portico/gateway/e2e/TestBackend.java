package org.portico.gateway.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * A stand-in server on Reactor Netty (port 0): echoes request headers, counts streamed uploads,
 * streams downloads of any size, and echoes WebSocket frames (subprotocol {@code echo.v1}; the text
 * {@code close:CODE} makes it close with that code).
 */
final class TestBackend implements AutoCloseable {

	static final String SUBPROTOCOL = "echo.v1";

	private static final ObjectMapper JSON = new ObjectMapper();

	private final DisposableServer server;

	final AtomicLong lastUploadBytes = new AtomicLong(-1);

	TestBackend() {
		this.server = HttpServer.create().host("127.0.0.1").port(0).route((routes) -> routes
			.get("/**/headers", (request, response) -> {
				Map<String, String> headers = new TreeMap<>();
				request.requestHeaders().forEach((e) -> headers.merge(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue(), (a, b) -> a + ", " + b));
				headers.put(":uri", request.uri());
				try {
					return response.header("Content-Type", "application/json").sendString(Mono.just(JSON.writeValueAsString(headers)));
				}
				catch (Exception ex) {
					return Mono.error(ex);
				}
			})
			.post("/**/count", (request, response) -> request.receive().map(ByteBuf::readableBytes).reduce(0L, Long::sum)
				.doOnNext(this.lastUploadBytes::set)
				.flatMap((n) -> response.sendString(Mono.just(Long.toString(n))).then()))
			.get("/**/bytes/{n}", (request, response) -> {
				long n = Long.parseLong(request.param("n"));
				int chunk = 64 * 1024;
				Flux<ByteBuf> body = Flux.generate(() -> 0L, (sent, sink) -> {
					int size = (int) Math.min(chunk, n - sent);
					if (size <= 0) {
						sink.complete();
						return sent;
					}
					sink.next(Unpooled.wrappedBuffer(new byte[size]));
					return sent + size;
				});
				return response.header("Content-Length", Long.toString(n)).send(body);
			})
			.ws("/**/ws", (in, out) -> out.sendObject(in.receiveFrames().concatMap((frame) -> {
				if (frame instanceof TextWebSocketFrame text && text.text().startsWith("close:")) {
					int code = Integer.parseInt(text.text().substring(6));
					return out.sendClose(code, "bye").then(Mono.<WebSocketFrame>empty());
				}
				return Mono.just(frame.retain());
			})), WebsocketServerSpec.builder().protocols(SUBPROTOCOL).build())
			.get("/**", (request, response) -> response.sendString(Mono.just("backend " + request.uri())))).bindNow();
	}

	String origin() {
		return "http://127.0.0.1:" + this.server.port();
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

	static String utf8(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}
}
