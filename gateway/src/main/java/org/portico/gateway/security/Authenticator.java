package org.portico.gateway.security;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.config.PorticoProperties;
import org.portico.gateway.store.SessionStore;
import org.portico.gateway.store.TokenStore;
import org.portico.gateway.store.UserStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Resolves login cookies and API tokens to principals, for the hub (through Spring Security) and
 * for the proxy's own fast path alike.
 *
 * <p>Answers are cached for 30 s by the hash of the credential, so a proxied request normally costs
 * one SHA-256 and a map lookup; logging out, revoking a token and changing a user invalidate the
 * entries at once.
 */
@Component
public final class Authenticator {

	private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

	/** The login cookie's name. */
	public static final String SESSION_COOKIE = "portico-session";

	private static final Duration TOUCH_EVERY = Duration.ofSeconds(60);

	private final SessionStore sessions;

	private final TokenStore tokens;

	private final UserStore users;

	private final @Nullable String adminToken;

	private final Duration sessionMaxAge;

	private final AsyncCache<String, Optional<PorticoPrincipal>> cache = Caffeine.newBuilder()
		.expireAfterWrite(Duration.ofSeconds(30))
		.maximumSize(100_000)
		.buildAsync();

	private final ConcurrentHashMap<String, Long> lastTouched = new ConcurrentHashMap<>();

	public Authenticator(SessionStore sessions, TokenStore tokens, UserStore users, PorticoProperties properties) {
		this.sessions = sessions;
		this.tokens = tokens;
		this.users = users;
		this.adminToken = properties.admin().token();
		this.sessionMaxAge = properties.security().sessionMaxAge();
	}

	/**
	 * Authenticates a request from its credentials, in this order: the {@code Authorization} header
	 * ({@code token X} or {@code Bearer X}), the {@code token} query parameter, the login cookie.
	 * @return emits the principal, or completes empty when no credential is valid; never errors for
	 * bad credentials
	 */
	public Mono<PorticoPrincipal> authenticate(@Nullable String authorization, @Nullable String queryToken,
			@Nullable String sessionCookie) {
		String token = tokenFromHeader(authorization);
		if (token == null) {
			token = queryToken;
		}
		if (token != null && !token.isEmpty()) {
			return fromToken(token);
		}
		if (sessionCookie != null && !sessionCookie.isEmpty()) {
			return fromSession(sessionCookie);
		}
		return Mono.empty();
	}

	/** The token of an {@code Authorization: token X} or {@code Bearer X} header, or {@code null}. */
	public static @Nullable String tokenFromHeader(@Nullable String authorization) {
		if (authorization == null) {
			return null;
		}
		int space = authorization.indexOf(' ');
		if (space < 0) {
			return null;
		}
		String scheme = authorization.substring(0, space);
		if (scheme.equalsIgnoreCase("token") || scheme.equalsIgnoreCase("bearer")) {
			return authorization.substring(space + 1).trim();
		}
		return null;
	}

	/** Resolves an API token (or the admin token). */
	public Mono<PorticoPrincipal> fromToken(String token) {
		if (this.adminToken != null && Secrets.constantTimeEquals(token, this.adminToken)) {
			return Mono.just(new PorticoPrincipal(PorticoPrincipal.ADMIN_SERVICE, true, PorticoPrincipal.Via.ADMIN_TOKEN, null));
		}
		String hash = Secrets.sha256(token);
		return cached("t:" + hash, () -> this.tokens.findByHash(hash)
			.filter((record) -> !record.expired(Instant.now()))
			.flatMap((record) -> this.users.find(record.user())
				.map((user) -> new PorticoPrincipal(user.name(), user.admin(), PorticoPrincipal.Via.TOKEN, record.id())))
		).doOnNext(this::touch);
	}

	/** Resolves a login cookie's value. */
	public Mono<PorticoPrincipal> fromSession(String cookieValue) {
		String hash = Secrets.sha256(cookieValue);
		return cached("s:" + hash, () -> this.sessions.find(hash, Instant.now())
			.flatMap((session) -> this.users.find(session.user()))
			.map((user) -> new PorticoPrincipal(user.name(), user.admin(), PorticoPrincipal.Via.SESSION, null))
		).doOnNext(this::touch);
	}

	/**
	 * Creates a login for {@code user}.
	 * @return emits the cookie value to set
	 */
	public Mono<String> login(String user) {
		String value = Secrets.newToken();
		Instant now = Instant.now();
		return this.sessions.create(Secrets.sha256(value), user, now, now.plus(this.sessionMaxAge)).thenReturn(value);
	}

	/** Ends the login behind a cookie value; completes normally if there was none. */
	public Mono<Void> logout(String cookieValue) {
		String hash = Secrets.sha256(cookieValue);
		this.cache.synchronous().invalidate("s:" + hash);
		return this.sessions.delete(hash);
	}

	/** Forgets every cached answer about {@code user} (deleted, admin flag changed, a token revoked). */
	public void userChanged(String user) {
		this.cache.synchronous().asMap().entrySet()
			.removeIf((entry) -> entry.getValue().map((p) -> p.name().equals(user)).orElse(false));
		this.lastTouched.remove(user);
	}

	/** How long a login lasts. */
	public Duration sessionMaxAge() {
		return this.sessionMaxAge;
	}

	private Mono<PorticoPrincipal> cached(String key, java.util.function.Supplier<Mono<PorticoPrincipal>> lookup) {
		CompletableFuture<Optional<PorticoPrincipal>> hit = this.cache.getIfPresent(key);
		if (hit != null && hit.isDone() && !hit.isCompletedExceptionally()) {
			// The hot path: no Reactor machinery beyond a scalar Mono.
			return Mono.justOrEmpty(hit.join());
		}
		CompletableFuture<Optional<PorticoPrincipal>> future = this.cache.get(key,
				(k, executor) -> lookup.get().map(Optional::of).defaultIfEmpty(Optional.empty()).toFuture());
		return Mono.fromFuture(future, true).flatMap(Mono::justOrEmpty);
	}

	/** Records a user's activity in the database, at most once a minute per user. */
	private void touch(PorticoPrincipal principal) {
		if (!principal.isUser()) {
			return;
		}
		long now = System.currentTimeMillis();
		Long previous = this.lastTouched.get(principal.name());
		if (previous != null && now - previous < TOUCH_EVERY.toMillis()) {
			return;
		}
		this.lastTouched.put(principal.name(), now);
		// Fire and forget: the request must not wait for bookkeeping; a failure only loses one timestamp.
		this.users.touch(principal.name(), Instant.ofEpochMilli(now))
			.subscribe(null, (ex) -> log.warn("could not record activity user={}: {}", principal.name(), ex.toString()));
	}
}
