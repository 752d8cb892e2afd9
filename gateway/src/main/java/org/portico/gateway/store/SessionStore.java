package org.portico.gateway.store;

import java.time.Instant;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The {@code login_sessions} table: browser logins that survive a gateway restart. Keyed by the
 * SHA-256 of the cookie's value.
 */
@Component
public final class SessionStore {

	/** A login: whose, and until when. */
	public record LoginSession(String user, Instant expiresAt) {
	}

	private final DatabaseClient db;

	public SessionStore(DatabaseClient db) {
		this.db = db;
	}

	public Mono<Void> create(String hash, String user, Instant created, Instant expiresAt) {
		return this.db.sql("INSERT INTO login_sessions (hash, user_name, created, expires_at) VALUES (:hash, :user, :created, :expires)")
			.bind("hash", hash).bind("user", user).bind("created", created.toEpochMilli())
			.bind("expires", expiresAt.toEpochMilli()).then();
	}

	/** The unexpired session with this hash, or empty. */
	public Mono<LoginSession> find(String hash, Instant now) {
		return this.db.sql("SELECT user_name, expires_at FROM login_sessions WHERE hash = :hash AND expires_at > :now")
			.bind("hash", hash).bind("now", now.toEpochMilli())
			.map((row) -> new LoginSession(Rows.string(row, "user_name"), Rows.requiredInstant(row, "expires_at"))).one();
	}

	public Mono<Void> delete(String hash) {
		return this.db.sql("DELETE FROM login_sessions WHERE hash = :hash").bind("hash", hash).then();
	}

	/** Removes expired sessions; emits how many. */
	public Mono<Long> purgeExpired(Instant now) {
		return this.db.sql("DELETE FROM login_sessions WHERE expires_at <= :now").bind("now", now.toEpochMilli()).fetch()
			.rowsUpdated();
	}
}
