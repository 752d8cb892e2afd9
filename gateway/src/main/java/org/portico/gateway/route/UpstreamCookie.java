package org.portico.gateway.route;

import java.util.Objects;

/**
 * A cookie the gateway adds to every request and WebSocket upgrade it forwards to a server, in place
 * of one of the same name the browser may send: the server's session, held by the gateway for the
 * user. It is a secret: never sent to the browser and never logged ({@link #toString()} omits it).
 *
 * @param name the cookie's name, an RFC 6265 token
 * @param value the cookie's value
 */
public record UpstreamCookie(String name, String value) {

	public UpstreamCookie {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(value, "value");
		if (name.isEmpty() || !name.chars().allMatch((c) -> c < 127 && (Character.isLetterOrDigit(c) || "-_.".indexOf(c) >= 0))) {
			throw new IllegalArgumentException("not a cookie name: " + name);
		}
		if (!value.chars().allMatch((c) -> c > 32 && c < 127 && c != ';' && c != '\\')) {
			throw new IllegalArgumentException("a cookie value must be printable ASCII without ';' or '\\'");
		}
	}

	@Override
	public String toString() {
		return "UpstreamCookie[name=" + this.name + "]";
	}
}
