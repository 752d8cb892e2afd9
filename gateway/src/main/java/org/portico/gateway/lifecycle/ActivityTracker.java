package org.portico.gateway.lifecycle;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.route.Route;
import org.springframework.stereotype.Component;

/**
 * Each route's last activity, recorded on the proxy's hot path: one map probe and one plain
 * volatile write per request or client WebSocket message, no allocation once a route is known.
 * Two clocks per route: the last <em>human</em> action (a page load, a save, code sent to a kernel)
 * and the last traffic of any kind (also status polls and heartbeats). Culling reads only the first.
 */
@Component
public final class ActivityTracker {

	/** The two clocks of one route, in epoch milliseconds. */
	public static final class Clocks {

		volatile long human;

		volatile long any;

		public long human() {
			return this.human;
		}

		public long any() {
			return this.any;
		}
	}

	private final ConcurrentHashMap<String, Clocks> clocks = new ConcurrentHashMap<>();

	/** Records activity on {@code route} now; {@code human} says whether a person caused it. */
	public void record(Route route, boolean human) {
		Clocks clock = this.clocks.get(route.spec());
		if (clock == null) {
			clock = this.clocks.computeIfAbsent(route.spec(), (spec) -> new Clocks());
		}
		long now = System.currentTimeMillis();
		clock.any = now;
		if (human) {
			clock.human = now;
		}
	}

	/** Restores a route's clocks (from the database, after a restart); never moves a clock back. */
	public void restore(String spec, long human, long any) {
		Clocks clock = this.clocks.computeIfAbsent(spec, (s) -> new Clocks());
		clock.human = Math.max(clock.human, human);
		clock.any = Math.max(clock.any, Math.max(any, human));
	}

	/** The clocks of a route spec, or {@code null} when it never saw traffic. */
	public @Nullable Clocks of(String spec) {
		return this.clocks.get(spec);
	}

	/** The last traffic of any kind on a route spec (epoch ms), or {@code null}. */
	public @Nullable Long lastSeen(String spec) {
		Clocks clock = this.clocks.get(spec);
		return (clock != null && clock.any > 0) ? clock.any : null;
	}

	/** Forgets a route's activity (its server stopped). */
	public void forget(String spec) {
		this.clocks.remove(spec);
	}

	/** A copy of every route's clocks, as {@code [human, any]}. */
	public Map<String, long[]> snapshot() {
		Map<String, long[]> copy = new HashMap<>();
		this.clocks.forEach((spec, clock) -> copy.put(spec, new long[] { clock.human, clock.any }));
		return copy;
	}
}
