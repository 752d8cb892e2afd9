package org.portico.gateway.proxy;

import org.jspecify.annotations.Nullable;

/**
 * The cross-site checks that a server skips when the gateway authenticates to it with a token:
 * a state-changing request or a WebSocket handshake is accepted only from the gateway's own origin.
 * Requests without {@code Origin} (scripts, curl) pass unless the browser's {@code Sec-Fetch-Site}
 * says they are cross-site.
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
	 */
	static boolean allows(@Nullable String origin, @Nullable String fetchSite, String scheme, @Nullable String host) {
		if (fetchSite != null && fetchSite.equalsIgnoreCase("cross-site")) {
			return false;
		}
		if (origin == null) {
			return true;
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
