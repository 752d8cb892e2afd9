package org.portico.gateway.store;

import java.util.Arrays;
import java.util.List;

import io.r2dbc.spi.Readable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code reservations} table. Values reaching it are already validated. */
@Component
public final class ReservationStore {

	private final DatabaseClient db;

	public ReservationStore(DatabaseClient db) {
		this.db = db;
	}

	/** The reservations whose window ends after {@code nowMillis}, by start. */
	public Flux<ReservationRecord> notEnded(long nowMillis) {
		return this.db.sql("SELECT * FROM reservations WHERE end_at > :now ORDER BY start_at, id").bind("now", nowMillis)
			.map(ReservationStore::record).all();
	}

	/** The reservation, or empty. */
	public Mono<ReservationRecord> find(String id) {
		return this.db.sql("SELECT * FROM reservations WHERE id = :id").bind("id", id).map(ReservationStore::record).one();
	}

	/** Saves a new reservation. */
	public Mono<Void> insert(ReservationRecord r) {
		// node names are scheduler node names (no commas), checked against the pool before they get here
		return this.db.sql("INSERT INTO reservations (id, pool, group_name, seats, start_at, end_at, nodes, created_by, created) "
				+ "VALUES (:id, :pool, :group, :seats, :start, :end, :nodes, :by, :created)")
			.bind("id", r.id()).bind("pool", r.pool()).bind("group", r.group()).bind("seats", r.seats())
			.bind("start", r.start().toEpochMilli()).bind("end", r.end().toEpochMilli())
			.bind("nodes", String.join(",", r.nodes())).bind("by", r.createdBy())
			.bind("created", System.currentTimeMillis())
			.then();
	}

	/** Deletes a reservation; emits whether it existed. */
	public Mono<Boolean> delete(String id) {
		return this.db.sql("DELETE FROM reservations WHERE id = :id").bind("id", id).fetch().rowsUpdated().map((rows) -> rows > 0);
	}

	/** Deletes the reservations that ended before {@code nowMillis}; emits how many. */
	public Mono<Long> deleteEnded(long nowMillis) {
		return this.db.sql("DELETE FROM reservations WHERE end_at <= :now").bind("now", nowMillis).fetch().rowsUpdated();
	}

	private static ReservationRecord record(Readable row) {
		String nodes = row.get("nodes", String.class);
		List<String> list = (nodes == null || nodes.isBlank()) ? List.of() : Arrays.asList(nodes.split(","));
		Integer seats = row.get("seats", Integer.class);
		return new ReservationRecord(Rows.string(row, "id"), Rows.string(row, "pool"), Rows.string(row, "group_name"),
				(seats != null) ? seats : 0, Rows.requiredInstant(row, "start_at"), Rows.requiredInstant(row, "end_at"), list,
				Rows.string(row, "created_by"));
	}
}
