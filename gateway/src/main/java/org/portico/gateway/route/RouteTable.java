package org.portico.gateway.route;

import java.util.Optional;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The proxy's routes, JupyterHub's {@code Proxy} in-process.
 */
public interface RouteTable {

	/**
	 * Adds or replaces the route for {@code route.spec()}.
	 * @return completes once requests are routed by it; existing connections are not affected
	 */
	Mono<Void> put(Route route);

	/**
	 * Removes the route for a spec.
	 * @return completes once it is gone; removing an absent route is no error
	 */
	Mono<Void> remove(String spec);

	/**
	 * The route with the longest spec that is a prefix of {@code path}, on a segment boundary.
	 * Synchronous and non-blocking: it is called on the event loop for every proxied request, and its
	 * cost depends on the path's depth, never on the number of routes.
	 * @param path a decoded request path starting with {@code /}
	 */
	Optional<Route> match(String path);

	/**
	 * Whether any route leaves authentication to its server ({@link Route#passthrough()}); while none
	 * does, only {@code /user/...} is proxied. Synchronous and cheap.
	 */
	boolean hasPassthrough();

	/** Every route, for reconciliation and the admin view. */
	Flux<Route> all();
}
