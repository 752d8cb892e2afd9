package org.portico.gateway.lifecycle;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.route.Route;
import org.springframework.stereotype.Component;

/**
 * The last proxied activity of each route, recorded on the hot path: one map probe and one
 * volatile write per request or client WebSocket message.
 */
@Component
public final class ActivityTracker {

	private final ConcurrentHashMap<String, AtomicLong> lastSeen = new ConcurrentHashMap<>();

	/** Records activity on {@code route} now. */
	public void record(Route route) {
		AtomicLong seen = this.lastSeen.get(route.spec());
		if (seen == null) {
			seen = this.lastSeen.computeIfAbsent(route.spec(), (spec) -> new AtomicLong());
		}
		seen.lazySet(System.currentTimeMillis());
	}

	/** The last activity on a route spec, in epoch milliseconds, or {@code null}. */
	public @Nullable Long lastSeen(String spec) {
		AtomicLong seen = this.lastSeen.get(spec);
		return (seen != null && seen.get() > 0) ? seen.get() : null;
	}

	/** Forgets a route's activity (its server stopped). */
	public void forget(String spec) {
		this.lastSeen.remove(spec);
	}

	/** A snapshot of every route's last activity. */
	public Map<String, Long> snapshot() {
		Map<String, Long> copy = new java.util.HashMap<>();
		this.lastSeen.forEach((spec, seen) -> copy.put(spec, seen.get()));
		return copy;
	}
}
