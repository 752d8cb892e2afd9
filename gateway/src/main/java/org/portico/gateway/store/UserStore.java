package org.portico.gateway.store;

import java.time.Instant;

import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code users} table. Names reaching it are already validated. */
@Component
public final class UserStore {

	private final DatabaseClient db;

	public UserStore(DatabaseClient db) {
		this.db = db;
	}

	/** Emits the user, or completes empty. */
	public Mono<User> find(String name) {
		return this.db.sql("SELECT * FROM users WHERE name = :name").bind("name", name).map(UserStore::user).one();
	}

	/** All users, by name. */
	public Flux<User> all() {
		return this.db.sql("SELECT * FROM users ORDER BY name").map(UserStore::user).all();
	}

	/** Whether any admin exists. */
	public Mono<Boolean> anyAdmin() {
		return this.db.sql("SELECT COUNT(*) AS n FROM users WHERE admin").map((row) -> row.get("n", Long.class)).one()
			.map((n) -> n > 0);
	}

	/**
	 * Creates a user.
	 * @return emits {@code true} when created, {@code false} when the name was taken
	 */
	public Mono<Boolean> create(String name, boolean admin, @Nullable String passwordHash) {
		// @formatter:off
		var spec = this.db.sql("INSERT INTO users (name, admin, password_hash, created) "
				+ "SELECT :name, :admin, :hash, :created WHERE NOT EXISTS (SELECT 1 FROM users WHERE name = :name)")
			.bind("name", name)
			.bind("admin", admin)
			.bind("created", System.currentTimeMillis());
		return Rows.bindNullable(spec, "hash", passwordHash, String.class)
			.fetch().rowsUpdated()
			.map((rows) -> rows > 0);
		// @formatter:on
	}

	/** Sets the admin flag; emits whether the user existed. */
	public Mono<Boolean> setAdmin(String name, boolean admin) {
		return this.db.sql("UPDATE users SET admin = :admin WHERE name = :name").bind("admin", admin).bind("name", name)
			.fetch().rowsUpdated().map((rows) -> rows > 0);
	}

	/** Replaces the password hash; emits whether the user existed. */
	public Mono<Boolean> setPassword(String name, String passwordHash) {
		return this.db.sql("UPDATE users SET password_hash = :hash WHERE name = :name").bind("hash", passwordHash)
			.bind("name", name).fetch().rowsUpdated().map((rows) -> rows > 0);
	}

	/** Deletes a user with their tokens, sessions and server records; emits whether they existed. */
	public Mono<Boolean> delete(String name) {
		return this.db.sql("DELETE FROM users WHERE name = :name").bind("name", name).fetch().rowsUpdated()
			.map((rows) -> rows > 0);
	}

	/** Records activity; cheap enough to call at most once a minute per user. */
	public Mono<Void> touch(String name, Instant when) {
		return this.db.sql("UPDATE users SET last_activity = :ts WHERE name = :name").bind("ts", when.toEpochMilli())
			.bind("name", name).then();
	}

	private static User user(Readable row) {
		Boolean admin = row.get("admin", Boolean.class);
		return new User(Rows.string(row, "name"), Boolean.TRUE.equals(admin), row.get("password_hash", String.class),
				Rows.requiredInstant(row, "created"), Rows.instant(row, "last_activity"));
	}
}
