package org.portico.gateway.route;

import java.net.URI;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One route: requests under {@code spec} go to {@code target}, for {@code owner} only.
 *
 * @param spec the path prefix, normalised to start and end with {@code /} ({@code /user/alice/})
 * @param target the server's origin ({@code http://127.0.0.1:41234})
 * @param owner the user whose server it is
 * @param server the server's name ({@code ""} for the default server)
 * @param authorization the {@code Authorization} header the gateway sends to the server in place of
 * the user's credentials, or {@code null} when the server does its own auth; a secret, never shown
 * @param passthrough whether the gateway leaves authentication to the server: it neither checks the
 * caller nor strips their credentials (Portico as a drop-in proxy for JupyterHub, whose servers do
 * their own auth); {@code false} for every route Portico spawns
 * @param stripPrefix whether the server is sent paths without {@code spec} ({@code /user/alice/code/x}
 * reaches it as {@code /x}), for apps that cannot be told their base URL
 * @param cookie a cookie the gateway adds to every request to the server (its session, held for the
 * user), or {@code null}; a secret, never shown
 * @param staticFiles files under {@code spec} the gateway serves itself (after the same owner check), or
 * {@code null} for none
 */
public record Route(String spec, URI target, String owner, String server, @Nullable String authorization, boolean passthrough,
		boolean stripPrefix, @Nullable UpstreamCookie cookie, @Nullable StaticFiles staticFiles) {

	/** A route whose every request goes to the server, without a gateway-held cookie. */
	public Route(String spec, URI target, String owner, String server, @Nullable String authorization, boolean passthrough,
			boolean stripPrefix) {
		this(spec, target, owner, server, authorization, passthrough, stripPrefix, null, null);
	}

	/** A route whose callers the gateway authenticates and checks against {@code owner}. */
	public Route(String spec, URI target, String owner, String server, @Nullable String authorization) {
		this(spec, target, owner, server, authorization, false, false, null, null);
	}

	/** A route that keeps the prefix. */
	public Route(String spec, URI target, String owner, String server, @Nullable String authorization, boolean passthrough) {
		this(spec, target, owner, server, authorization, passthrough, false, null, null);
	}

	public Route {
		spec = normalise(spec);
		Objects.requireNonNull(target, "target");
		Objects.requireNonNull(owner, "owner");
		Objects.requireNonNull(server, "server");
	}

	/** How many leading path segments the proxy removes before forwarding: those of {@code spec}, or none. */
	public int strippedSegments() {
		if (!this.stripPrefix) {
			return 0;
		}
		int slashes = 0;
		for (int i = 0; i < this.spec.length(); i++) {
			if (this.spec.charAt(i) == '/') {
				slashes++;
			}
		}
		return slashes - 1;
	}

	/** {@code spec} with a leading and a trailing slash. */
	public static String normalise(String spec) {
		Objects.requireNonNull(spec, "spec");
		String s = spec.startsWith("/") ? spec : "/" + spec;
		return s.endsWith("/") ? s : s + "/";
	}

	@Override
	public String toString() {
		return "Route[spec=" + this.spec + ", target=" + this.target + ", owner=" + this.owner + "]";
	}
}
