package org.portico.gateway.route;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryRouteTableTests {

	private final InMemoryRouteTable table = new InMemoryRouteTable();

	private Route route(String spec, String owner) {
		return new Route(spec, URI.create("http://127.0.0.1:9"), owner, "", null);
	}

	@Test
	void matchesTheLongestPrefixOnSegmentBoundaries() {
		this.table.put(route("/user/alice", "alice")).block(Duration.ofSeconds(1));
		this.table.put(route("/user/alice/lab/", "alice")).block(Duration.ofSeconds(1));
		this.table.put(route("/user/al/", "al")).block(Duration.ofSeconds(1));

		assertThat(this.table.match("/user/alice/")).get().extracting(Route::spec).isEqualTo("/user/alice/");
		assertThat(this.table.match("/user/alice/api/kernels")).get().extracting(Route::spec).isEqualTo("/user/alice/");
		assertThat(this.table.match("/user/alice/lab/tree/x")).get().extracting(Route::spec).isEqualTo("/user/alice/lab/");
		assertThat(this.table.match("/user/alice")).get().extracting(Route::spec).isEqualTo("/user/alice/");
		// "/user/al/" must not match "/user/alice/..." nor "/user/alx"
		assertThat(this.table.match("/user/alx/")).isEmpty();
		assertThat(this.table.match("/user/")).isEmpty();
		assertThat(this.table.match("/")).isEmpty();
	}

	@Test
	void aNamedServersRouteWinsOverTheDefaultOneAndStripsItsWholePrefix() {
		this.table.put(route("/user/alice/", "alice")).block(Duration.ofSeconds(1));
		Route desktop = new Route("/user/alice/desktop/", URI.create("http://127.0.0.1:10"), "alice", "desktop", null, false, true);
		this.table.put(desktop).block(Duration.ofSeconds(1));

		assertThat(this.table.match("/user/alice/desktop/websockify")).get().extracting(Route::server).isEqualTo("desktop");
		assertThat(this.table.match("/user/alice/desktop")).get().extracting(Route::server).isEqualTo("desktop");
		assertThat(this.table.match("/user/alice/desktops/x")).get().extracting(Route::server).isEqualTo("");
		assertThat(desktop.strippedSegments()).isEqualTo(3);

		this.table.remove("/user/alice/desktop/").block(Duration.ofSeconds(1));
		assertThat(this.table.match("/user/alice/desktop/websockify")).get().extracting(Route::server).isEqualTo("");
	}

	@Test
	void aRootRouteCatchesEverythingElse() {
		this.table.put(route("/", "hub")).block(Duration.ofSeconds(1));
		this.table.put(route("/user/bob/", "bob")).block(Duration.ofSeconds(1));
		assertThat(this.table.match("/hub/home")).get().extracting(Route::owner).isEqualTo("hub");
		assertThat(this.table.match("/user/bob/x")).get().extracting(Route::owner).isEqualTo("bob");
	}

	@Test
	void removeIsIdempotentAndNormalisesTheSpec() {
		this.table.put(route("/user/alice/", "alice")).block(Duration.ofSeconds(1));
		this.table.remove("user/alice").block(Duration.ofSeconds(1));
		this.table.remove("/user/alice/").block(Duration.ofSeconds(1));
		assertThat(this.table.match("/user/alice/api")).isEmpty();
		assertThat(this.table.all().collectList().block(Duration.ofSeconds(1))).isEmpty();
	}

	@Test
	void putReplacesTheRouteOfTheSameSpec() {
		this.table.put(route("/user/alice/", "alice")).block(Duration.ofSeconds(1));
		this.table.put(new Route("/user/alice/", URI.create("http://127.0.0.1:10"), "alice", "", null)).block(Duration.ofSeconds(1));
		assertThat(this.table.match("/user/alice/")).get().extracting((r) -> r.target().getPort()).isEqualTo(10);
		assertThat(this.table.all().count().block(Duration.ofSeconds(1))).isEqualTo(1);
	}

	@Test
	void theSecretNeverAppearsInToString() {
		Route route = new Route("/user/alice/", URI.create("http://127.0.0.1:9"), "alice", "", "token s3cr3t");
		assertThat(route.toString()).doesNotContain("s3cr3t");
	}
}
