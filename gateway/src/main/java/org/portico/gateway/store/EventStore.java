package org.portico.gateway.store;

import java.time.Instant;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code events} table: what happened to whose server, for users and admins to read. */
@Component
public final class EventStore {

	/** One recorded event. */
	public record Event(Instant time, String user, String server, String kind, String message) {
	}

	private final DatabaseClient db;

	public EventStore(DatabaseClient db) {
		this.db = db;
	}

	public Mono<Void> record(String user, String server, String kind, String message) {
		String text = (message.length() > 4000) ? message.substring(0, 4000) : message;
		return this.db.sql("INSERT INTO events (ts, user_name, server_name, kind, message) VALUES (:ts, :user, :server, :kind, :message)")
			.bind("ts", System.currentTimeMillis()).bind("user", user).bind("server", server).bind("kind", kind)
			.bind("message", text).then();
	}

	/** A user's latest events, newest first. */
	public Flux<Event> latest(String user, int limit) {
		return this.db.sql("SELECT * FROM events WHERE user_name = :user ORDER BY id DESC LIMIT :limit").bind("user", user)
			.bind("limit", limit)
			.map((row) -> new Event(Rows.requiredInstant(row, "ts"), Rows.string(row, "user_name"), Rows.string(row, "server_name"),
					Rows.string(row, "kind"), Rows.string(row, "message")))
			.all();
	}
}
