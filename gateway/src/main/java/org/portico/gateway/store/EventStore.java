package org.portico.gateway.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.r2dbc.spi.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The {@code events} table: what happened to whose server, for users and admins to read.
 *
 * <p>Writes are group-committed: an event recorded while an earlier write is under way waits for it and
 * then goes into the database with every other event that arrived meanwhile, in one transaction. Alone,
 * an event is written at once; in a class's burst of starts (mostly refusals, each one an event) a few
 * commits carry them all instead of one commit each. {@link #record} still completes only once its event
 * is stored. A batch that fails is retried one event at a time, so one bad event loses no other.
 */
@Component
public final class EventStore {

	private static final Logger log = LoggerFactory.getLogger(EventStore.class);

	private static final int MAX_BATCH = 500;

	private static final String INSERT = "INSERT INTO events (ts, user_name, server_name, kind, message) VALUES ($1, $2, $3, $4, $5)";

	/** One recorded event. */
	public record Event(Instant time, String user, String server, String kind, String message) {
	}

	private record Pending(long ts, String user, String server, String kind, String message, MonoSink<Void> sink) {
	}

	private final DatabaseClient db;

	private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean writing = new AtomicBoolean();

	private final AtomicInteger wip = new AtomicInteger();

	private final AtomicLong transactions = new AtomicLong();

	public EventStore(DatabaseClient db) {
		this.db = db;
	}

	/** Stores an event; completes once it is in the database, errors when it could not be stored. */
	public Mono<Void> record(String user, String server, String kind, String message) {
		String text = (message.length() > 4000) ? message.substring(0, 4000) : message;
		return Mono.create((sink) -> {
			this.queue.add(new Pending(System.currentTimeMillis(), user, server, kind, text, sink));
			drain();
		});
	}

	/** A user's latest events, newest first. */
	public Flux<Event> latest(String user, int limit) {
		return this.db.sql("SELECT * FROM events WHERE user_name = :user ORDER BY id DESC LIMIT :limit").bind("user", user)
			.bind("limit", limit)
			.map((row) -> new Event(Rows.requiredInstant(row, "ts"), Rows.string(row, "user_name"), Rows.string(row, "server_name"),
					Rows.string(row, "kind"), Rows.string(row, "message")))
			.all();
	}

	/** How many write transactions have carried events since start-up (fewer than events under load). */
	long transactions() {
		return this.transactions.get();
	}

	/**
	 * Starts a write of everything queued unless one is under way; the write under way calls this again
	 * when it ends. A drain loop (work-in-progress counter), not recursion: H2 answers on the calling thread,
	 * so a write can end inside this very call, and under a steady stream of events that would nest without end.
	 */
	private void drain() {
		if (this.wip.getAndIncrement() != 0) {
			return;
		}
		do {
			if (!this.queue.isEmpty() && this.writing.compareAndSet(false, true)) {
				List<Pending> batch = new ArrayList<>();
				for (Pending next; batch.size() < MAX_BATCH && (next = this.queue.poll()) != null;) {
					batch.add(next);
				}
				if (batch.isEmpty()) {
					this.writing.set(false);
				}
				else {
					write(batch).doOnSuccess((done) -> batch.forEach((pending) -> pending.sink().success()))
						.onErrorResume((ex) -> (batch.size() > 1) ? oneByOne(batch) : fail(batch.get(0), ex))
						.subscribe(null, (ex) -> log.error("event write failed", ex));
				}
			}
		}
		while (this.wip.decrementAndGet() != 0);
	}

	private Mono<Void> write(List<Pending> batch) {
		this.transactions.incrementAndGet();
		// @formatter:off
		return this.db.inConnection((connection) -> Mono.from(connection.beginTransaction())
			.thenMany(Flux.from(bindAll(connection.createStatement(INSERT), batch).execute()).flatMap((result) -> result.getRowsUpdated()))
			.then(Mono.from(connection.commitTransaction()))
			.onErrorResume((ex) -> Mono.from(connection.rollbackTransaction()).onErrorResume((ignored) -> Mono.empty())
				.then(Mono.error(ex))))
			.doFinally((signal) -> {
				this.writing.set(false);
				drain();
			});
		// @formatter:on
	}

	private static Statement bindAll(Statement statement, List<Pending> batch) {
		for (int i = 0; i < batch.size(); i++) {
			Pending event = batch.get(i);
			if (i > 0) {
				statement.add();
			}
			statement.bind(0, event.ts()).bind(1, event.user()).bind(2, event.server()).bind(3, event.kind()).bind(4, event.message());
		}
		return statement;
	}

	/** After a failed batch: each event alone, so that the bad one fails and the others are stored. */
	private Mono<Void> oneByOne(List<Pending> batch) {
		return Flux.fromIterable(batch)
			.concatMap((pending) -> insert(pending).doOnSuccess((done) -> pending.sink().success())
				.onErrorResume((ex) -> fail(pending, ex)))
			.then();
	}

	private Mono<Void> insert(Pending event) {
		this.transactions.incrementAndGet();
		return this.db.sql(INSERT).bind(0, event.ts()).bind(1, event.user()).bind(2, event.server()).bind(3, event.kind())
			.bind(4, event.message()).then();
	}

	private static Mono<Void> fail(Pending pending, Throwable ex) {
		log.warn("event not stored user={} server={} kind={}: {}", pending.user(), pending.server(), pending.kind(), ex.toString());
		pending.sink().error(ex);
		return Mono.empty();
	}
}
