package org.portico.gateway.proxy;

import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.route.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Bridges a client's WebSocket to its server's, frame by frame.
 *
 * <p>The upstream handshake comes first, so that a server's refusal (403, 404) reaches the client as
 * that status, and the subprotocol the server chose is the one offered back. Frames are passed
 * through as they are (text, binary, continuation, ping, pong), never aggregated; the first close
 * code from either side is carried to the other.
 */
final class WsProxyHandler {

	private static final Logger log = LoggerFactory.getLogger(WsProxyHandler.class);

	private final HttpClient client;

	private final ForwardedHeaders headers;

	private final int maxFramePayload;

	WsProxyHandler(HttpClient client, ForwardedHeaders headers, int maxFramePayload) {
		this.client = client;
		this.headers = headers;
		this.maxFramePayload = maxFramePayload;
	}

	static boolean isUpgrade(HttpServerRequest request) {
		String upgrade = request.requestHeaders().get(HttpHeaderNames.UPGRADE);
		return upgrade != null && upgrade.equalsIgnoreCase("websocket");
	}

	Mono<Void> proxy(HttpServerRequest request, HttpServerResponse response, Route route, ProxyRequest target,
			boolean stripToken, ForwardedHeaders.ClientView view, java.util.function.Consumer<WebSocketFrame> onClientMessage) {
		String protocols = request.requestHeaders().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
		String uri = "ws" + route.target().toString().substring(4) + target.upstreamUri(stripToken, route.strippedSegments());
		// @formatter:off
		WebsocketClientSpec.Builder clientSpec = WebsocketClientSpec.builder()
			.handlePing(true)
			.maxFramePayloadLength(this.maxFramePayload);
		if (protocols != null) {
			clientSpec.protocols(protocols);
		}
		return this.client
			.headers((upstream) -> this.headers.copyRequest(request.requestHeaders(), upstream, route, view, true))
			.websocket(clientSpec.build())
			.uri(uri)
			.handle((upIn, upOut) -> {
				// sendWebsocket completes once the client's upgrade is done, not when the socket ends:
				// the upstream connection must stay open until the bridge itself has finished.
				Sinks.Empty<Void> bridged = Sinks.empty();
				return response.sendWebsocket(
						(downIn, downOut) -> bridge(upIn, upOut, downIn, downOut, onClientMessage)
							.doFinally((signal) -> bridged.tryEmitEmpty()),
						serverSpec(upIn.selectedSubprotocol()))
					.then(bridged.asMono());
			})
			.then()
			.onErrorResume(WebSocketClientHandshakeException.class, (ex) -> {
				HttpResponseStatus status = ex.response().status();
				log.debug("upstream refused websocket routeSpec={} status={}", route.spec(), status.code());
				return ProxyResponses.error(request, response, status, "Your server refused the WebSocket connection.");
			})
			.onErrorResume((ex) -> {
				log.warn("websocket proxy failed routeSpec={}: {}", route.spec(), ex.toString());
				return ProxyResponses.error(request, response, HttpResponseStatus.BAD_GATEWAY,
						"Your server is not answering.");
			});
		// @formatter:on
	}

	/** The client-side handshake: the subprotocol the server chose, if any, is the one accepted. */
	private WebsocketServerSpec serverSpec(@Nullable String selectedProtocol) {
		WebsocketServerSpec.Builder spec = WebsocketServerSpec.builder().handlePing(true).maxFramePayloadLength(this.maxFramePayload);
		if (selectedProtocol != null) {
			spec.protocols(selectedProtocol);
		}
		return spec.build();
	}

	private static Mono<Void> bridge(WebsocketInbound upIn, WebsocketOutbound upOut, WebsocketInbound downIn,
			WebsocketOutbound downOut, java.util.function.Consumer<WebSocketFrame> onClientMessage) {
		AtomicBoolean closing = new AtomicBoolean();
		// @formatter:off
		Mono<Void> toServer = upOut.sendObject(downIn.receiveFrames()
				.filter(WsProxyHandler::notClose)
				.doOnNext(onClientMessage)
				.map(WebSocketFrame::retain))
			.then()
			.onErrorResume((ex) -> Mono.empty());
		Mono<Void> toClient = downOut.sendObject(upIn.receiveFrames()
				.filter(WsProxyHandler::notClose)
				.map(WebSocketFrame::retain))
			.then()
			.onErrorResume((ex) -> Mono.empty());
		Mono<Void> clientClosed = downIn.receiveCloseStatus()
			.flatMap((status) -> closing.compareAndSet(false, true) ? close(upOut, status) : Mono.empty());
		Mono<Void> serverClosed = upIn.receiveCloseStatus()
			.flatMap((status) -> closing.compareAndSet(false, true) ? close(downOut, status) : Mono.empty());
		// @formatter:on
		return Mono.when(toServer, toClient, clientClosed, serverClosed);
	}

	private static boolean notClose(WebSocketFrame frame) {
		return !(frame instanceof CloseWebSocketFrame);
	}

	/** Sends the peer's close on; codes that must not appear on the wire become an empty close frame. */
	private static Mono<Void> close(WebsocketOutbound out, WebSocketCloseStatus status) {
		int code = status.code();
		Mono<Void> send = (code == 1005 || code == 1006 || code == 1015 || code < 1000) ? out.sendClose()
				: out.sendClose(code, status.reasonText());
		return send.onErrorResume((ex) -> Mono.empty());
	}
}
