package org.portico.gateway.store;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.portico.spawner.SpawnState;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code servers} table: the truth about every server, so that a restart loses none. */
@Component
public final class ServerStore {

	private final DatabaseClient db;

	private final ObjectMapper json;

	public ServerStore(DatabaseClient db, ObjectMapper json) {
		this.db = db;
		this.json = json;
	}

	/** The record of a user's server, or empty. */
	public Mono<ServerRecord> find(String user, String name) {
		return this.db.sql("SELECT * FROM servers WHERE user_name = :user AND name = :name").bind("user", user)
			.bind("name", name).map(this::record).one();
	}

	/** A user's servers. */
	public Flux<ServerRecord> forUser(String user) {
		return this.db.sql("SELECT * FROM servers WHERE user_name = :user ORDER BY name").bind("user", user)
			.map(this::record).all();
	}

	/** Every server in one of the active phases (for reconciliation after a restart). */
	public Flux<ServerRecord> active() {
		return this.db.sql("SELECT * FROM servers WHERE status IN ('PENDING', 'RUNNING', 'STOPPING')").map(this::record).all();
	}

	/**
	 * Claims a user's server slot for a new start: inserts or overwrites the record only if no
	 * active server holds it. Atomic in the database, so two concurrent starts cannot both win.
	 * @return emits {@code true} if claimed, {@code false} if an active server holds the slot
	 */
	public Mono<Boolean> claim(ServerRecord record) {
		// @formatter:off
		Mono<Long> update = bindAll(this.db.sql("UPDATE servers SET app = :app, status = :status, spawner = :spawner, state = :state, "
				+ "secret = :secret, target = :target, started = :started, stopped = :stopped, last_activity = :activity, message = :message, "
				+ "expires_at = :expires, keep_until = :keep, last_seen = :seen, profile = :profile "
				+ "WHERE user_name = :user AND name = :name AND status NOT IN ('PENDING', 'RUNNING', 'STOPPING')"), record)
			.fetch().rowsUpdated();
		Mono<Long> insert = bindAll(this.db.sql("INSERT INTO servers (user_name, name, app, status, spawner, state, secret, target, "
				+ "started, stopped, last_activity, message, expires_at, keep_until, last_seen, profile) SELECT :user, :name, :app, :status, "
				+ ":spawner, :state, :secret, :target, :started, :stopped, :activity, :message, :expires, :keep, :seen, :profile WHERE NOT EXISTS (SELECT 1 FROM servers WHERE user_name = :user AND name = :name)"), record)
			.fetch().rowsUpdated();
		// @formatter:on
		return update.flatMap((rows) -> (rows > 0) ? Mono.just(true) : insert.map((inserted) -> inserted > 0))
			.onErrorResume(org.springframework.dao.DataIntegrityViolationException.class, (ex) -> Mono.just(false));
	}

	/** Overwrites a server's record. */
	public Mono<Void> save(ServerRecord record) {
		return bindAll(this.db.sql("UPDATE servers SET app = :app, status = :status, spawner = :spawner, state = :state, "
				+ "secret = :secret, target = :target, started = :started, stopped = :stopped, last_activity = :activity, "
				+ "message = :message, expires_at = :expires, keep_until = :keep, last_seen = :seen, profile = :profile "
				+ "WHERE user_name = :user AND name = :name"), record).then();
	}

	/**
	 * Deletes a server's record unless it is active (a stopped or failed named server the user removes).
	 * @return emits whether a record was deleted
	 */
	public Mono<Boolean> deleteInactive(String user, String name) {
		return this.db.sql("DELETE FROM servers WHERE user_name = :user AND name = :name AND status NOT IN ('PENDING', 'RUNNING', 'STOPPING')")
			.bind("user", user).bind("name", name).fetch().rowsUpdated().map((rows) -> rows > 0);
	}

	/** Records a server's activity clocks (human actions, and traffic of any kind); never moves them back. */
	public Mono<Void> touch(String user, String name, long human, long any) {
		return this.db.sql("UPDATE servers SET last_activity = GREATEST(COALESCE(last_activity, 0), :human), "
				+ "last_seen = GREATEST(COALESCE(last_seen, 0), :any) WHERE user_name = :user AND name = :name")
			.bind("human", human).bind("any", any).bind("user", user).bind("name", name).then();
	}

	private DatabaseClient.GenericExecuteSpec bindAll(DatabaseClient.GenericExecuteSpec spec, ServerRecord record) {
		spec = spec.bind("user", record.user()).bind("name", record.name()).bind("app", record.app())
			.bind("status", record.phase().name());
		spec = Rows.bindNullable(spec, "spawner", record.spawner(), String.class);
		spec = Rows.bindNullable(spec, "state", (record.state() != null) ? write(record.state()) : null, String.class);
		spec = Rows.bindNullable(spec, "secret", record.secret(), String.class);
		spec = Rows.bindNullable(spec, "target", (record.target() != null) ? record.target().toString() : null, String.class);
		spec = Rows.bindNullable(spec, "started", millis(record.started()), Long.class);
		spec = Rows.bindNullable(spec, "stopped", millis(record.stopped()), Long.class);
		spec = Rows.bindNullable(spec, "activity", millis(record.lastActivity()), Long.class);
		spec = Rows.bindNullable(spec, "expires", millis(record.expiresAt()), Long.class);
		spec = Rows.bindNullable(spec, "keep", millis(record.keepUntil()), Long.class);
		spec = Rows.bindNullable(spec, "seen", millis(record.lastSeen()), Long.class);
		spec = Rows.bindNullable(spec, "profile", record.profile(), String.class);
		return Rows.bindNullable(spec, "message", truncate(record.message()), String.class);
	}

	private static @Nullable Long millis(@Nullable Instant instant) {
		return (instant != null) ? instant.toEpochMilli() : null;
	}

	private static @Nullable String truncate(@Nullable String message) {
		return (message != null && message.length() > 4000) ? message.substring(message.length() - 4000) : message;
	}

	private String write(SpawnState state) {
		try {
			return this.json.writeValueAsString(state);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("cannot serialise spawn state", ex);
		}
	}

	private @Nullable SpawnState read(@Nullable String text) {
		if (text == null) {
			return null;
		}
		try {
			Map<?, ?> map = this.json.readValue(text, Map.class);
			@SuppressWarnings("unchecked")
			Map<String, String> data = (Map<String, String>) map.get("data");
			return new SpawnState((String) map.get("spawner"), (String) map.get("id"), (data != null) ? data : Map.of());
		}
		catch (JsonProcessingException | ClassCastException ex) {
			throw new IllegalStateException("unreadable spawn state", ex);
		}
	}

	private ServerRecord record(Readable row) {
		String target = row.get("target", String.class);
		return new ServerRecord(Rows.string(row, "user_name"), Rows.string(row, "name"), Rows.string(row, "app"),
				ServerPhase.valueOf(Rows.string(row, "status")), row.get("spawner", String.class),
				read(row.get("state", String.class)), row.get("secret", String.class), (target != null) ? URI.create(target) : null,
				Rows.instant(row, "started"), Rows.instant(row, "stopped"), Rows.instant(row, "last_activity"),
				row.get("message", String.class), Rows.instant(row, "expires_at"), Rows.instant(row, "keep_until"),
				Rows.instant(row, "last_seen"), row.get("profile", String.class));
	}
}
