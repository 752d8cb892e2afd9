package org.portico.gateway.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Answers a request with a file of a route's {@link org.portico.gateway.route.StaticFiles}: the caller is
 * already authenticated and checked against the route's owner, and the file already resolved inside its
 * folder. Regular files only (a folder is 404, never listed); {@code ETag} and {@code Last-Modified} with
 * their conditional requests (304), a short private cache lifetime, and the content type by extension.
 */
final class StaticFileHandler {

	private static final Logger log = LoggerFactory.getLogger(StaticFileHandler.class);

	/** Long enough to spare a desktop's reconnects the round trips, short enough for a noVNC upgrade to show. */
	static final String CACHE_CONTROL = "private, max-age=600";

	private static final Map<String, String> TYPES = Map.ofEntries(Map.entry("html", "text/html; charset=utf-8"),
			Map.entry("js", "text/javascript; charset=utf-8"), Map.entry("mjs", "text/javascript; charset=utf-8"),
			Map.entry("css", "text/css; charset=utf-8"), Map.entry("json", "application/json"), Map.entry("svg", "image/svg+xml"),
			Map.entry("png", "image/png"), Map.entry("ico", "image/x-icon"), Map.entry("jpg", "image/jpeg"),
			Map.entry("gif", "image/gif"), Map.entry("woff", "font/woff"), Map.entry("woff2", "font/woff2"),
			Map.entry("ttf", "font/ttf"), Map.entry("oga", "audio/ogg"), Map.entry("ogg", "audio/ogg"), Map.entry("mp3", "audio/mpeg"),
			Map.entry("wav", "audio/wav"), Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("md", "text/plain; charset=utf-8"));

	private StaticFileHandler() {
	}

	/**
	 * Sends {@code file} (GET) or its headers (HEAD). Reads the file's attributes on the bounded-elastic
	 * scheduler; the body goes out as a file region. Completes when the response is sent.
	 */
	static Mono<Void> serve(HttpServerRequest request, HttpServerResponse response, Path file) {
		// @formatter:off
		return Mono.fromCallable(() -> Files.readAttributes(file, BasicFileAttributes.class))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((attributes) -> attributes.isRegularFile() ? send(request, response, file, attributes) : notFound(request, response))
			.onErrorResume(IOException.class, (ex) -> {
				if (!(ex instanceof NoSuchFileException)) {
					log.warn("cannot read static file {}: {}", file, ex.toString());
				}
				return notFound(request, response);
			});
		// @formatter:on
	}

	private static Mono<Void> send(HttpServerRequest request, HttpServerResponse response, Path file, BasicFileAttributes attributes) {
		long modified = attributes.lastModifiedTime().toMillis();
		String etag = "W/\"" + Long.toHexString(attributes.size()) + "-" + Long.toHexString(modified) + "\"";
		String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(modified).atZone(ZoneOffset.UTC));
		response.header(HttpHeaderNames.ETAG, etag)
			.header(HttpHeaderNames.LAST_MODIFIED, lastModified)
			.header(HttpHeaderNames.CACHE_CONTROL, CACHE_CONTROL)
			.header("X-Content-Type-Options", "nosniff");
		if (notModified(request, etag, modified)) {
			return response.status(HttpResponseStatus.NOT_MODIFIED).send();
		}
		response.status(HttpResponseStatus.OK)
			.header(HttpHeaderNames.CONTENT_TYPE, contentType(file))
			.header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(attributes.size()));
		if (request.method() == HttpMethod.HEAD) {
			return response.send();
		}
		return response.sendFile(file, 0, attributes.size()).then();
	}

	/** If-None-Match decides when present (RFC 9110 13.2.2); If-Modified-Since only without it. */
	private static boolean notModified(HttpServerRequest request, String etag, long modified) {
		String ifNoneMatch = request.requestHeaders().get(HttpHeaderNames.IF_NONE_MATCH);
		if (ifNoneMatch != null) {
			for (String candidate : ifNoneMatch.split(",")) {
				String tag = candidate.strip();
				if (tag.equals("*") || weak(tag).equals(weak(etag))) {
					return true;
				}
			}
			return false;
		}
		String ifModifiedSince = request.requestHeaders().get(HttpHeaderNames.IF_MODIFIED_SINCE);
		if (ifModifiedSince == null) {
			return false;
		}
		try {
			long since = ZonedDateTime.parse(ifModifiedSince, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
			return modified / 1000 <= since / 1000;
		}
		catch (DateTimeParseException ex) {
			return false;
		}
	}

	private static String weak(String tag) {
		return tag.startsWith("W/") ? tag.substring(2) : tag;
	}

	static String contentType(Path file) {
		String name = file.getFileName().toString();
		int dot = name.lastIndexOf('.');
		@Nullable String type = (dot < 0) ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
		return (type != null) ? type : "application/octet-stream";
	}

	private static Mono<Void> notFound(HttpServerRequest request, HttpServerResponse response) {
		return ProxyResponses.error(request, response, HttpResponseStatus.NOT_FOUND, "There is no such file.");
	}

	/** Whether a request may be answered from static files: GET and HEAD, never a WebSocket upgrade. */
	static boolean applies(HttpServerRequest request) {
		return applies(request.method(), request.requestHeaders());
	}

	static boolean applies(HttpMethod method, io.netty.handler.codec.http.HttpHeaders headers) {
		return (method == HttpMethod.GET || method == HttpMethod.HEAD) && !WsProxyHandler.isUpgrade(headers);
	}
}
