package org.portico.gateway.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.route.Route;
import org.portico.gateway.security.Authenticator;
import org.portico.gateway.config.PorticoProperties;

/**
 * What crosses the proxy in headers, in both directions.
 *
 * <p>Towards the server: every end-to-end header of the client, the original {@code Host} (Jupyter
 * needs it, with its port), the standard {@code X-Forwarded-*} headers, and the route's own
 * {@code Authorization} in place of the user's; the gateway's login and CSRF cookies are removed,
 * so a server never sees them. Towards the client: every end-to-end header of the server, except a
 * {@code Set-Cookie} that would overwrite one of the gateway's cookies.
 */
final class ForwardedHeaders {

	/** Hop-by-hop headers (RFC 9110 7.6.1), never forwarded. */
	private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
			"transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate");

	/** The client's WebSocket handshake headers: the upstream handshaker writes its own. */
	private static final Set<String> WS_HANDSHAKE = Set.of("sec-websocket-key", "sec-websocket-version",
			"sec-websocket-extensions", "sec-websocket-protocol", "sec-websocket-accept");

	private static final Set<String> GATEWAY_COOKIES = Set.of(Authenticator.SESSION_COOKIE,
			org.portico.gateway.security.SecurityConfiguration.CSRF_COOKIE);

	private static final List<String> FORWARDED = List.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
			"x-forwarded-port", "forwarded", "x-real-ip");

	private final boolean trustForwarded;

	ForwardedHeaders(PorticoProperties properties) {
		this.trustForwarded = properties.security().trustForwardedHeaders();
	}

	/** How the client sees the gateway: its scheme and the Host it addressed. */
	record ClientView(String scheme, @Nullable String host, @Nullable String clientAddress) {
	}

	ClientView clientView(HttpHeaders headers, String connectionScheme, @Nullable InetSocketAddress remote) {
		String scheme = connectionScheme;
		String host = headers.get(HttpHeaderNames.HOST);
		if (this.trustForwarded) {
			String proto = first(headers.get("x-forwarded-proto"));
			String fhost = first(headers.get("x-forwarded-host"));
			scheme = (proto != null) ? proto.toLowerCase(Locale.ROOT) : scheme;
			host = (fhost != null) ? fhost : host;
		}
		String address = (remote != null && remote.getAddress() != null) ? remote.getAddress().getHostAddress() : null;
		return new ClientView(scheme, host, address);
	}

	/** Copies the client's request headers onto the upstream request. */
	void copyRequest(HttpHeaders from, HttpHeaders to, Route route, ClientView view, boolean webSocket) {
		String connectionTokens = from.get(HttpHeaderNames.CONNECTION);
		// A passthrough route's server authenticates the caller itself: its credentials go on untouched.
		boolean keepCredentials = route.passthrough();
		for (var entry : from) {
			String name = entry.getKey().toLowerCase(Locale.ROOT);
			if (HOP_BY_HOP.contains(name) || name.equals("host")
					|| (!keepCredentials && (name.equals("authorization") || name.equals("cookie")))
					|| (webSocket && WS_HANDSHAKE.contains(name)) || listedIn(connectionTokens, name)
					|| (!this.trustForwarded && FORWARDED.contains(name))) {
				continue;
			}
			to.add(entry.getKey(), entry.getValue());
		}
		String host = from.get(HttpHeaderNames.HOST);
		if (host != null) {
			to.set(HttpHeaderNames.HOST, host);
		}
		String cookies = keepCredentials ? null
				: withoutCookies(from.getAll(HttpHeaderNames.COOKIE), (route.cookie() != null) ? route.cookie().name() : null);
		if (!keepCredentials && route.cookie() != null) {
			String own = route.cookie().name() + "=" + route.cookie().value();
			cookies = (cookies != null) ? cookies + "; " + own : own;
		}
		if (cookies != null) {
			to.set(HttpHeaderNames.COOKIE, cookies);
		}
		if (route.authorization() != null) {
			to.set(HttpHeaderNames.AUTHORIZATION, route.authorization());
		}
		if (view.clientAddress() != null) {
			String prior = this.trustForwarded ? from.get("x-forwarded-for") : null;
			to.set("X-Forwarded-For", (prior != null) ? prior + ", " + view.clientAddress() : view.clientAddress());
		}
		to.set("X-Forwarded-Proto", view.scheme());
		if (view.host() != null) {
			to.set("X-Forwarded-Host", view.host());
		}
	}

	/** Copies the server's response headers onto the client's response. */
	static void copyResponse(HttpHeaders from, HttpHeaders to) {
		copyResponse(from, to, null);
	}

	/**
	 * Copies the server's response headers onto the client's response, without a {@code Set-Cookie}
	 * of {@code routeCookie}: the session the gateway holds for the user stays with the gateway.
	 */
	static void copyResponse(HttpHeaders from, HttpHeaders to, @Nullable String routeCookie) {
		String connectionTokens = from.get(HttpHeaderNames.CONNECTION);
		for (var entry : from) {
			String name = entry.getKey().toLowerCase(Locale.ROOT);
			if (HOP_BY_HOP.contains(name) || listedIn(connectionTokens, name)) {
				continue;
			}
			if (name.equals("set-cookie") && (setsGatewayCookie(entry.getValue()) || sets(entry.getValue(), routeCookie))) {
				continue;
			}
			to.add(entry.getKey(), entry.getValue());
		}
	}

	/** The value of one cookie in {@code Cookie} headers, or {@code null}. */
	static @Nullable String cookie(@Nullable List<String> headers, String name) {
		if (headers == null) {
			return null;
		}
		for (String header : headers) {
			for (String pair : header.split(";")) {
				String trimmed = pair.trim();
				if (trimmed.length() > name.length() && trimmed.startsWith(name) && trimmed.charAt(name.length()) == '=') {
					return trimmed.substring(name.length() + 1);
				}
			}
		}
		return null;
	}

	/** The cookies of {@code headers} as one header, without the gateway's and without {@code also}. */
	static @Nullable String withoutCookies(@Nullable List<String> headers, @Nullable String also) {
		if (headers == null || headers.isEmpty()) {
			return null;
		}
		StringBuilder kept = new StringBuilder();
		for (String header : headers) {
			for (String pair : header.split(";")) {
				String trimmed = pair.trim();
				int eq = trimmed.indexOf('=');
				String name = (eq < 0) ? trimmed : trimmed.substring(0, eq);
				if (trimmed.isEmpty() || GATEWAY_COOKIES.contains(name) || name.equals(also)) {
					continue;
				}
				if (kept.length() > 0) {
					kept.append("; ");
				}
				kept.append(trimmed);
			}
		}
		return (kept.length() > 0) ? kept.toString() : null;
	}

	private static boolean setsGatewayCookie(String setCookie) {
		int eq = setCookie.indexOf('=');
		return eq > 0 && GATEWAY_COOKIES.contains(setCookie.substring(0, eq).trim());
	}

	private static boolean sets(String setCookie, @Nullable String name) {
		int eq = setCookie.indexOf('=');
		return name != null && eq > 0 && setCookie.substring(0, eq).trim().equals(name);
	}

	private static boolean listedIn(@Nullable String connectionTokens, String name) {
		if (connectionTokens == null) {
			return false;
		}
		for (String token : connectionTokens.split(",")) {
			if (token.trim().equalsIgnoreCase(name)) {
				return true;
			}
		}
		return false;
	}

	private static @Nullable String first(@Nullable String value) {
		if (value == null) {
			return null;
		}
		int comma = value.indexOf(',');
		return ((comma < 0) ? value : value.substring(0, comma)).trim();
	}

}
