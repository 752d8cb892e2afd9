package org.portico.spawner.batch;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.SpawnException;
import org.portico.spawner.batch.ReadinessCallbacks.Outcome;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class ReadinessCallbacksTests {

	private final ReadinessCallbacks callbacks = new ReadinessCallbacks(Pattern.compile("(node[0-9]+|localhost)(\\.cluster\\.example)?"), 3);

	private final AtomicReference<String> node = new AtomicReference<>("node7");

	private final String key = ReadinessCallbacks.newKey();

	private final String secret = ReadinessCallbacks.newSecret();

	private final ReadinessCallbacks.Registration registration = this.callbacks.register(this.key, ReadinessCallbacks.hash(this.secret),
			this.node::get, "user=alice jobId=1");

	@Test
	void acceptsTheJobsNodeWithTheRightSecretOnce() {
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 8888).outcome()).isEqualTo(Outcome.ACCEPTED);
		StepVerifier.create(this.registration.endpoint()).expectNext(new ServerEndpoint("node7", 8888)).verifyComplete();
		assertThat(this.callbacks.endpoint(this.key)).contains(new ServerEndpoint("node7", 8888));
		// the job retries when an answer is lost: the same report is fine, another one is not
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 8888).outcome()).isEqualTo(Outcome.ACCEPTED);
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 9999).outcome()).isEqualTo(Outcome.INVALID);
	}

	@Test
	void refusesHostsOutsideTheAllowListOrOtherThanTheJobsNode() {
		assertThat(this.callbacks.accept(this.key, this.secret, "evil.example", 8888).outcome()).isEqualTo(Outcome.HOST_NOT_ALLOWED);
		assertThat(this.callbacks.accept(this.key, this.secret, "node8", 8888).outcome()).isEqualTo(Outcome.HOST_NOT_ALLOWED);
		assertThat(this.callbacks.accept(this.key, this.secret, "node7.cluster.example", 8888).outcome()).isEqualTo(Outcome.ACCEPTED);
	}

	@Test
	void asksToRetryWhileTheSchedulerHasNotSeenTheJobRunning() {
		this.node.set(null);
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 8888).outcome()).isEqualTo(Outcome.RETRY_LATER);
		this.node.set("node7");
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 8888).outcome()).isEqualTo(Outcome.ACCEPTED);
	}

	@Test
	void refusesMalformedReports() {
		for (String host : new String[] { "node7 ", "node7/x", "", "node7\n", "-node7", "node7..x", "a".repeat(300) }) {
			assertThat(this.callbacks.accept(this.key, this.secret, host, 8888).outcome()).as(host).isEqualTo(Outcome.INVALID);
		}
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 0).outcome()).isEqualTo(Outcome.INVALID);
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 65536).outcome()).isEqualTo(Outcome.INVALID);
		assertThat(this.callbacks.accept("no-such-key-0123456789", this.secret, "node7", 8888).outcome()).isEqualTo(Outcome.UNKNOWN_KEY);
	}

	@Test
	void revokesTheRegistrationAfterTooManyWrongSecrets() {
		assertThat(this.callbacks.accept(this.key, "wrong", "node7", 8888).outcome()).isEqualTo(Outcome.FORBIDDEN);
		assertThat(this.callbacks.accept(this.key, null, "node7", 8888).outcome()).isEqualTo(Outcome.FORBIDDEN);
		assertThat(this.callbacks.accept(this.key, this.secret + "x", "node7", 8888).outcome()).isEqualTo(Outcome.FORBIDDEN);
		assertThat(this.callbacks.accept(this.key, this.secret, "node7", 8888).outcome()).isEqualTo(Outcome.UNKNOWN_KEY);
		StepVerifier.create(this.registration.endpoint())
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(SpawnException.class)
				.extracting((e) -> ((SpawnException) e).reason()).isEqualTo("callback"))
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void storesOnlyADigestOfTheSecret() {
		assertThat(ReadinessCallbacks.hash(this.secret)).hasSize(64).doesNotContain(this.secret);
		assertThat(ReadinessCallbacks.newSecret()).hasSize(43).matches("[A-Za-z0-9_-]+");
	}
}
