package org.portico.gateway.proxy;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** The gateway's own answers on the proxy path: errors and redirects, as HTML for browsers, JSON otherwise. */
final class ProxyResponses {

	private ProxyResponses() {
	}

	static boolean wantsHtml(HttpServerRequest request) {
		return wantsHtml(request.requestHeaders());
	}

	static boolean wantsHtml(HttpHeaders headers) {
		String accept = headers.get(HttpHeaderNames.ACCEPT);
		return accept != null && accept.contains("text/html");
	}

	static Mono<Void> redirect(HttpServerResponse response, String location) {
		return response.status(HttpResponseStatus.FOUND).header(HttpHeaderNames.LOCATION, location)
			.header(HttpHeaderNames.CACHE_CONTROL, "no-store").send();
	}

	static Mono<Void> error(HttpServerRequest request, HttpServerResponse response, HttpResponseStatus status, String message) {
		if (response.hasSentHeaders()) {
			return Mono.empty();
		}
		boolean html = wantsHtml(request);
		byte[] bytes = errorBody(html, status, message);
		String type = html ? "text/html; charset=utf-8" : "application/json";
		return response.status(status)
			.header(HttpHeaderNames.CONTENT_TYPE, type)
			.header(HttpHeaderNames.CACHE_CONTROL, "no-store")
			.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
			.sendByteArray(Mono.just(bytes))
			.then();
	}

	/** The same answer as {@link #error}, as one Netty message, for the {@link DirectHttpProxy}. */
	static FullHttpResponse errorResponse(HttpVersion version, boolean html, HttpResponseStatus status, String message) {
		byte[] bytes = errorBody(html, status, message);
		FullHttpResponse response = new DefaultFullHttpResponse(version, status, Unpooled.wrappedBuffer(bytes));
		response.headers()
			.set(HttpHeaderNames.CONTENT_TYPE, html ? "text/html; charset=utf-8" : "application/json")
			.set(HttpHeaderNames.CACHE_CONTROL, "no-store")
			.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
		return response;
	}

	private static byte[] errorBody(boolean html, HttpResponseStatus status, String message) {
		String body;
		if (html) {
			body = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + status.code() + " "
					+ html(status.reasonPhrase()) + " - Portico</title><link rel=\"stylesheet\" href=\"/hub/static/portico.css\"></head>"
					+ "<body><main class=\"card\"><h1>" + status.code() + " " + html(status.reasonPhrase()) + "</h1><p>"
					+ html(message) + "</p><p><a href=\"/hub/home\">Back to your home page</a></p></main></body></html>";
		}
		else {
			body = "{\"status\":" + status.code() + ",\"message\":\"" + json(message) + "\"}";
		}
		return body.getBytes(StandardCharsets.UTF_8);
	}

	static String html(@Nullable String text) {
		if (text == null) {
			return "";
		}
		StringBuilder out = new StringBuilder(text.length() + 16);
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '<' -> out.append("&lt;");
				case '>' -> out.append("&gt;");
				case '&' -> out.append("&amp;");
				case '"' -> out.append("&quot;");
				case '\'' -> out.append("&#39;");
				default -> out.append(c);
			}
		}
		return out.toString();
	}

	static String json(String text) {
		StringBuilder out = new StringBuilder(text.length() + 16);
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> {
					if (c < 0x20) {
						out.append(String.format("\\u%04x", (int) c));
					}
					else {
						out.append(c);
					}
				}
			}
		}
		return out.toString();
	}
}
