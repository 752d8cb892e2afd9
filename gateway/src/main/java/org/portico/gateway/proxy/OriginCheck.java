package org.portico.gateway.proxy;

import org.jspecify.annotations.Nullable;

/**
 * The cross-site checks that a server skips when the gateway authenticates to it with a token.
 * A request that names a foreign {@code Origin} is refused whatever its method (browsers send
 * {@code Origin} on every cross-origin fetch, so another site can neither change nor read a
 * user's server). A request without {@code Origin} (a script, curl, a followed link) passes,
 * unless it changes something or opens a WebSocket while the browser's {@code Sec-Fetch-Site}
 * says it is cross-site.
 */
final class OriginCheck {

	private OriginCheck() {
	}

	/**
	 * Whether a request may proceed.
	 * @param origin the {@code Origin} header, or {@code null}
	 * @param fetchSite the {@code Sec-Fetch-Site} header, or {@code null}
	 * @param scheme {@code http} or {@code https}, as the client sees the gateway
	 * @param host the {@code Host} the client addressed (with port where given)
	 * @param changing whether the request changes state or opens a WebSocket
	 */
	static boolean allows(@Nullable String origin, @Nullable String fetchSite, String scheme, @Nullable String host,
			boolean changing) {
		if (origin == null) {
			return !(changing && fetchSite != null && fetchSite.equalsIgnoreCase("cross-site"));
		}
		if (host == null) {
			return false;
		}
		return origin.equalsIgnoreCase(scheme + "://" + host) || origin.equalsIgnoreCase(scheme + "://" + withoutDefaultPort(scheme, host));
	}

	private static String withoutDefaultPort(String scheme, String host) {
		String defaultPort = scheme.equals("https") ? ":443" : ":80";
		return host.endsWith(defaultPort) ? host.substring(0, host.length() - defaultPort.length()) : host;
	}
}
