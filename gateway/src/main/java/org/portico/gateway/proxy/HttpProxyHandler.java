package org.portico.gateway.proxy;

import java.net.ConnectException;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.portico.gateway.route.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Streams one HTTP exchange to a server and back. Bodies flow as Netty buffers in both directions
 * and are never aggregated; a client that goes away cancels the upstream exchange, which releases its
 * connection.
 */
final class HttpProxyHandler {

	private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

	private final HttpClient client;

	private final ForwardedHeaders headers;

	HttpProxyHandler(HttpClient client, ForwardedHeaders headers) {
		this.client = client;
		this.headers = headers;
	}

	/**
	 * A server behind a stripped prefix knows nothing of it: a redirect to its own root-absolute path
	 * ({@code /dir/}) or its own origin is put back under the route's prefix, as nginx's default
	 * {@code proxy_redirect} does. Relative locations need nothing.
	 */
	static void relocate(HttpServerResponse response, Route route) {
		relocate(response.responseHeaders(), route);
	}

	static void relocate(io.netty.handler.codec.http.HttpHeaders headers, Route route) {
		String location = headers.get(HttpHeaderNames.LOCATION);
		if (location == null) {
			return;
		}
		String origin = route.target().toString();
		if (location.startsWith(origin + "/")) {
			location = location.substring(origin.length());
		}
		if (location.startsWith("/") && !location.startsWith("//")) {
			headers.set(HttpHeaderNames.LOCATION, route.spec() + location.substring(1));
		}
	}

	Mono<Void> proxy(HttpServerRequest request, HttpServerResponse response, Route route, ProxyRequest target,
			boolean stripToken, ForwardedHeaders.ClientView view) {
		boolean hasBody = request.requestHeaders().contains(HttpHeaderNames.CONTENT_LENGTH)
				|| request.requestHeaders().contains(HttpHeaderNames.TRANSFER_ENCODING);
		// @formatter:off
		return this.client.request(request.method())
			.uri(route.target().toString() + target.upstreamUri(stripToken, route.strippedSegments()))
			.send((upstreamRequest, out) -> {
				this.headers.copyRequest(request.requestHeaders(), upstreamRequest.requestHeaders(), route, view, false);
				return hasBody ? out.send(request.receive().retain()) : out;
			})
			.response((upstreamResponse, body) -> {
				response.status(upstreamResponse.status());
				ForwardedHeaders.copyResponse(upstreamResponse.responseHeaders(), response.responseHeaders(),
						(route.cookie() != null) ? route.cookie().name() : null);
				if (route.stripPrefix()) {
					relocate(response, route);
				}
				return response.send(body.retain());
			})
			.then()
			.onErrorResume((ex) -> failed(request, response, route, ex));
		// @formatter:on
	}

	/** What a user is told when their server cannot be reached, on either proxy path. */
	static final String UNREACHABLE = "Your server is not answering. It may have stopped; Portico notices within a poll interval and shows why on your home page.";

	private static Mono<Void> failed(HttpServerRequest request, HttpServerResponse response, Route route, Throwable ex) {
		if (ex instanceof AbortedException) {
			return Mono.empty(); // the client went away
		}
		if (ex instanceof ConnectException || ex instanceof PrematureCloseException) {
			log.warn("upstream unreachable routeSpec={} target={}: {}", route.spec(), route.target(), ex.toString());
			return ProxyResponses.error(request, response, HttpResponseStatus.BAD_GATEWAY, UNREACHABLE);
		}
		log.error("proxy failure routeSpec={}", route.spec(), ex);
		return ProxyResponses.error(request, response, HttpResponseStatus.BAD_GATEWAY, "The gateway could not reach your server.");
	}
}
