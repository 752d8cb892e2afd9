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

	private final java.util.concurrent.atomic.AtomicInteger passthrough = new java.util.concurrent.atomic.AtomicInteger();

	@Override
	public Mono<Void> put(Route route) {
		return Mono.fromRunnable(() -> {
			Route previous = this.routes.put(route.spec(), route);
			count(previous, -1);
			count(route, 1);
			log.info("route added routeSpec={} target={} owner={}", route.spec(), route.target(), route.owner());
		});
	}

	@Override
	public Mono<Void> remove(String spec) {
		return Mono.fromRunnable(() -> {
			Route removed = this.routes.remove(Route.normalise(spec));
			count(removed, -1);
			if (removed != null) {
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
	public boolean hasPassthrough() {
		return this.passthrough.get() > 0;
	}

	private void count(@org.jspecify.annotations.Nullable Route route, int delta) {
		if (route != null && route.passthrough()) {
			this.passthrough.addAndGet(delta);
		}
	}

	@Override
	public Flux<Route> all() {
		return Flux.fromIterable(this.routes.values());
	}
}
