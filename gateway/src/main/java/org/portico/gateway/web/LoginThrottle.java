package org.portico.gateway.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Slows password guessing: after {@code limit} failed logins for one user name within
 * {@code window}, further attempts for that name are refused until the window has passed.
 */
final class LoginThrottle {

	private final int limit;

	private final Cache<String, AtomicInteger> failures;

	LoginThrottle(int limit, Duration window) {
		this.limit = limit;
		this.failures = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(100_000).build();
	}

	boolean blocked(String name) {
		AtomicInteger count = this.failures.getIfPresent(name);
		return count != null && count.get() >= this.limit;
	}

	void failed(String name) {
		this.failures.asMap().computeIfAbsent(name, (key) -> new AtomicInteger()).incrementAndGet();
	}

	void succeeded(String name) {
		this.failures.invalidate(name);
	}
}
