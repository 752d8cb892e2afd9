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
 */
public record Route(String spec, URI target, String owner, String server, @Nullable String authorization, boolean passthrough) {

	/** A route whose callers the gateway authenticates and checks against {@code owner}. */
	public Route(String spec, URI target, String owner, String server, @Nullable String authorization) {
		this(spec, target, owner, server, authorization, false);
	}

	public Route {
		spec = normalise(spec);
		Objects.requireNonNull(target, "target");
		Objects.requireNonNull(owner, "owner");
		Objects.requireNonNull(server, "server");
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
