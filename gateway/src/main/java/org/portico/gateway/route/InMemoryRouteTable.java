package org.portico.gateway.route;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Routes in a hash map keyed by spec. A lookup tries the path's own prefixes from the longest down,
 * one hash probe per path segment: O(depth), whatever the number of routes. The database, not this
 * table, is the truth about servers: the lifecycle rebuilds it at start-up.
 */
@Component
final class InMemoryRouteTable implements RouteTable {

	private static final Logger log = LoggerFactory.getLogger(InMemoryRouteTable.class);

	private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();

	@Override
	public Mono<Void> put(Route route) {
		return Mono.fromRunnable(() -> {
			this.routes.put(route.spec(), route);
			log.info("route added routeSpec={} target={} owner={}", route.spec(), route.target(), route.owner());
		});
	}

	@Override
	public Mono<Void> remove(String spec) {
		return Mono.fromRunnable(() -> {
			if (this.routes.remove(Route.normalise(spec)) != null) {
				log.info("route removed routeSpec={}", Route.normalise(spec));
			}
		});
	}

	@Override
	public Optional<Route> match(String path) {
		if (this.routes.isEmpty()) {
			return Optional.empty();
		}
		// Try "/a/b/c/", then "/a/b/", "/a/", "/": the first hit is the longest prefix.
		int end = path.length();
		String candidate = path.endsWith("/") ? path : path + "/";
		while (true) {
			Route route = this.routes.get(candidate);
			if (route != null) {
				return Optional.of(route);
			}
			int slash = path.lastIndexOf('/', end - 1);
			if (slash < 0) {
				return Optional.empty();
			}
			end = slash;
			candidate = path.substring(0, slash + 1);
			if (slash == 0) {
				route = this.routes.get("/");
				return Optional.ofNullable(route);
			}
		}
	}

	@Override
	public Flux<Route> all() {
		return Flux.fromIterable(this.routes.values());
	}
}
