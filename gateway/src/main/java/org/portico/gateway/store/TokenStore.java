package org.portico.gateway.store;

import java.time.Instant;

import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code api_tokens} table, keyed by the SHA-256 of each token. */
@Component
public final class TokenStore {

	private final DatabaseClient db;

	public TokenStore(DatabaseClient db) {
		this.db = db;
	}

	/** Stores a new token's record. */
	public Mono<Void> create(ApiToken token, String hash) {
		// @formatter:off
		var spec = this.db.sql("INSERT INTO api_tokens (id, user_name, hash, prefix, note, created, expires_at) "
				+ "VALUES (:id, :user, :hash, :prefix, :note, :created, :expires)")
			.bind("id", token.id())
			.bind("user", token.user())
			.bind("hash", hash)
			.bind("prefix", token.prefix())
			.bind("created", token.created().toEpochMilli());
		spec = Rows.bindNullable(spec, "note", token.note(), String.class);
		spec = Rows.bindNullable(spec, "expires", (token.expiresAt() != null) ? token.expiresAt().toEpochMilli() : null, Long.class);
		return spec.then();
		// @formatter:on
	}

	/** The token with this hash, or empty. */
	public Mono<ApiToken> findByHash(String hash) {
		return this.db.sql("SELECT * FROM api_tokens WHERE hash = :hash").bind("hash", hash).map(TokenStore::token).one();
	}

	/** A user's tokens, oldest first. */
	public Flux<ApiToken> forUser(String user) {
		return this.db.sql("SELECT * FROM api_tokens WHERE user_name = :user ORDER BY created").bind("user", user)
			.map(TokenStore::token).all();
	}

	/** Revokes one of a user's tokens; emits whether it existed. */
	public Mono<Boolean> delete(String user, String id) {
		return this.db.sql("DELETE FROM api_tokens WHERE user_name = :user AND id = :id").bind("user", user).bind("id", id)
			.fetch().rowsUpdated().map((rows) -> rows > 0);
	}

	/** Records a token's use. */
	public Mono<Void> touch(String id, Instant when) {
		return this.db.sql("UPDATE api_tokens SET last_activity = :ts WHERE id = :id").bind("ts", when.toEpochMilli())
			.bind("id", id).then();
	}

	private static ApiToken token(Readable row) {
		@Nullable Instant expires = Rows.instant(row, "expires_at");
		return new ApiToken(Rows.string(row, "id"), Rows.string(row, "user_name"), Rows.string(row, "prefix"),
				row.get("note", String.class), Rows.requiredInstant(row, "created"), expires, Rows.instant(row, "last_activity"));
	}
}
