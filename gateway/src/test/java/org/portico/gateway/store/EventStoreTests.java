package org.portico.gateway.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.h2.H2ConnectionOption;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.r2dbc.connection.init.ResourceDatabasePopulator;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EventStore}'s group commit against the gateway's own kind of database: a file-backed H2 with the
 * production schema, written at once on commit, through the same connection pool.
 */
class EventStoreTests {

	@TempDir
	Path dir;

	private ConnectionPool pool;

	private DatabaseClient db;

	private EventStore events;

	@BeforeEach
	void database() {
		H2ConnectionConfiguration h2 = H2ConnectionConfiguration.builder().file(this.dir.resolve("portico").toString())
			.property(H2ConnectionOption.DB_CLOSE_DELAY, "-1").property("WRITE_DELAY", "0").build();
		this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(new H2ConnectionFactory(h2)).maxSize(10).build());
		new ResourceDatabasePopulator(new ClassPathResource("schema.sql")).populate(this.pool).block(Duration.ofSeconds(30));
		this.db = DatabaseClient.create(this.pool);
		this.events = new EventStore(this.db);
	}

	@AfterEach
	void close() {
		this.pool.dispose();
	}

	@Test
	@Timeout(60)
	void oneEventAloneIsStoredWhenItsMonoCompletes() {
		StepVerifier.create(this.events.record("alice", "", "spawn", "Server requested (jupyter)")).expectComplete()
			.verify(Duration.ofSeconds(10));
		List<EventStore.Event> latest = this.events.latest("alice", 10).collectList().block(Duration.ofSeconds(10));
		assertThat(latest).singleElement().satisfies((event) -> {
			assertThat(event.kind()).isEqualTo("spawn");
			assertThat(event.message()).isEqualTo("Server requested (jupyter)");
			assertThat(event.server()).isEmpty();
		});
		assertThat(this.events.transactions()).isEqualTo(1);
	}

	@Test
	@Timeout(120)
	void aBurstFromManyThreadsIsStoredWholeInFewerTransactionsThanEvents() throws Exception {
		int threads = 8;
		int perThread = 250;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				String user = "user" + t;
				done.add(pool.submit(() -> Flux.range(0, perThread)
					.flatMap((i) -> this.events.record(user, "", "spawn-refused", "refusal " + i), 64)
					.blockLast(Duration.ofSeconds(60))));
			}
			for (Future<?> future : done) {
				future.get(90, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		Map<String, Long> stored = this.db.sql("SELECT user_name, COUNT(*) AS n FROM events GROUP BY user_name")
			.map((row) -> Map.entry(row.get("user_name", String.class), row.get("n", Long.class)))
			.all()
			.collectMap(Map.Entry::getKey, Map.Entry::getValue)
			.block(Duration.ofSeconds(10));
		assertThat(stored).hasSize(threads).allSatisfy((user, n) -> assertThat(n).as(user).isEqualTo(perThread));
		long transactions = this.events.transactions();
		System.out.printf("%d events in %d transactions%n", threads * perThread, transactions);
		assertThat(transactions).isLessThan(threads * perThread);
		// each thread's events in the order it recorded them (flatMap with concurrency may reorder, so by message set)
		List<String> messages = this.events.latest("user3", perThread).map(EventStore.Event::message).collectList()
			.block(Duration.ofSeconds(10));
		assertThat(messages).hasSize(perThread).doesNotHaveDuplicates();
	}

	@Test
	@Timeout(120)
	void aBadEventInABatchFailsAloneAndTheOthersAreStored() throws Exception {
		int threads = 8;
		int perThread = 100;
		String tooLong = "u".repeat(40); // user_name is VARCHAR(32)
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		List<Future<List<String>>> done = new ArrayList<>();
		try {
			for (int t = 0; t < threads; t++) {
				done.add(pool.submit(() -> Flux.range(0, perThread)
					.flatMap((i) -> this.events.record((i == 50) ? tooLong : "bob", "", "stop", "stop " + i).thenReturn("ok")
						.onErrorResume((ex) -> Mono.just("failed")), 32)
					.collectList()
					.block(Duration.ofSeconds(60))));
			}
			for (Future<List<String>> future : done) {
				assertThat(future.get(90, TimeUnit.SECONDS)).hasSize(perThread).containsOnlyOnce("failed");
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(this.events.latest("bob", 10_000).count().block(Duration.ofSeconds(10))).isEqualTo(threads * (perThread - 1));
		assertThat(this.events.latest(tooLong, 10).count().block(Duration.ofSeconds(10))).isZero();
		System.out.printf("%d events (%d bad) in %d transactions%n", threads * perThread, threads, this.events.transactions());
		// and the store goes on writing afterwards
		StepVerifier.create(this.events.record("bob", "", "spawn", "after")).expectComplete().verify(Duration.ofSeconds(10));
		assertThat(this.events.latest("bob", 1).blockFirst(Duration.ofSeconds(10)).message()).isEqualTo("after");
	}
}
