package org.portico.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.route.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * Proxies a client's WebSocket to its server's.
 *
 * <p>The upstream handshake comes first, so that a server's refusal (403, 404) reaches the client as
 * that status, and the subprotocol the server chose is the one offered back. Once both handshakes
 * are done, the two channels are joined by a {@link WsTunnel}: the bytes go both ways as they came,
 * never aggregated, the client's frames read by {@link ClientFrames} for their activity on the way;
 * close frames, codes and reasons, pings and pongs cross both ways as the peers sent them. The
 * handshake headers are cleared then, as an idle socket would otherwise hold both sides' for its
 * whole life.
 */
final class WsProxyHandler {

	private static final Logger log = LoggerFactory.getLogger(WsProxyHandler.class);

	private final HttpClient client;

	private final ForwardedHeaders headers;

	private final int maxFramePayload;

	private final OpenWebSockets open;

	WsProxyHandler(HttpClient client, ForwardedHeaders headers, int maxFramePayload, OpenWebSockets open) {
		this.client = client;
		this.headers = headers;
		this.maxFramePayload = maxFramePayload;
		this.open = open;
	}

	static boolean isUpgrade(HttpServerRequest request) {
		return isUpgrade(request.requestHeaders());
	}

	static boolean isUpgrade(io.netty.handler.codec.http.HttpHeaders headers) {
		String upgrade = headers.get(HttpHeaderNames.UPGRADE);
		return upgrade != null && upgrade.equalsIgnoreCase("websocket");
	}

	Mono<Void> proxy(HttpServerRequest request, HttpServerResponse response, Route route, ProxyRequest target,
			boolean stripToken, ForwardedHeaders.ClientView view, ActivityClassifier.Socket socket, ClientFrames.Activity activity) {
		String protocols = request.requestHeaders().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
		String uri = "ws" + route.target().toString().substring(4) + target.upstreamUri(stripToken, route.strippedSegments());
		// @formatter:off
		WebsocketClientSpec.Builder clientSpec = WebsocketClientSpec.builder()
			.handlePing(true)
			.maxFramePayloadLength(this.maxFramePayload);
		if (protocols != null) {
			clientSpec.protocols(protocols);
		}
		HttpHeaders[] sent = new HttpHeaders[1];
		return this.client
			.headers((upstream) -> {
				this.headers.copyRequest(request.requestHeaders(), upstream, route, view, true);
				sent[0] = upstream;
			})
			.websocket(clientSpec.build())
			.uri(uri)
			.handle((upIn, upOut) -> {
				// On the upstream's event loop, right after its 101 and before any frame is read
				// (a VNC server speaks first): the tunnel holds what comes until the client is joined.
				Connection up = connection(upIn);
				WsTunnel.Side upstreamSide = WsTunnel.upstream(up.channel());
				// sendWebsocket completes once the client's upgrade is done, not when the socket ends:
				// the upstream connection stays open until the tunnel closes it.
				return response.sendWebsocket((downIn, downOut) -> {
						Connection down = connection(downIn);
						ClientFrames frames = new ClientFrames(up.channel(), socket, activity, this.maxFramePayload);
						WsTunnel.join(upstreamSide, up.channel(), down.channel(), frames);
						this.open.add(down.channel());
						// both handshakes are done: their headers are not needed for the socket's life (gh-8)
						clear(request.requestHeaders(), response.responseHeaders(), sent[0], upIn.headers(),
								(upOut instanceof HttpClientRequest upstreamRequest) ? upstreamRequest.requestHeaders() : null);
						return down.onDispose();
					}, serverSpec(upIn.selectedSubprotocol()))
					.then(up.onDispose());
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

	private static Connection connection(reactor.netty.NettyInbound inbound) {
		Connection[] connection = new Connection[1];
		inbound.withConnection((c) -> connection[0] = c);
		return connection[0];
	}

	private static void clear(@Nullable HttpHeaders... all) {
		for (HttpHeaders headers : all) {
			if (headers != null) {
				headers.clear();
			}
		}
	}
}
