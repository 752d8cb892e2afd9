package org.portico.spawner.batch;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.ServerEndpoint;
import org.portico.spawner.SpawnException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Where jobs report "my server listens on host:port". The gateway exposes one HTTP endpoint and hands each
 * call to {@link #accept}; the {@link BatchSpawner} {@link #register registers} each spawn and waits on
 * {@link Registration#endpoint()}.
 *
 * <p>The job-side protocol (what the job-script templates do): {@code POST} to the spawn's callback URL (the
 * site's base URL plus the callback key) with header {@code Authorization: Bearer SECRET} and the JSON body
 * {@code {"host": "NODE", "port": PORT}}; retry on connection errors and on {@link Outcome#RETRY_LATER}
 * (answer it with 503), stop on success (2xx) and on the refusals (400, 403, 404).
 *
 * <p>{@link #accept} checks, in this order: the key is registered; the secret matches (compared in constant
 * time, as SHA-256 digests; after {@code maxFailures} wrong secrets the registration is revoked and its spawn
 * fails); host and port are well-formed; the host matches the site's allow-list (like Open OnDemand's
 * {@code host_regex}); and the host is the node the scheduler says the job runs on (equal, or one is the
 * other's short name). While the scheduler has not yet listed the job as running the answer is
 * {@link Outcome#RETRY_LATER}. Thread-safe; never blocks.
 */
public final class ReadinessCallbacks {

	private static final Logger log = LoggerFactory.getLogger(ReadinessCallbacks.class);

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final Pattern HOST = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})");

	private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{16,64}");

	private final Pattern allowedHosts;

	private final int maxFailures;

	private final Map<String, Registration> registrations = new ConcurrentHashMap<>();

	/**
	 * @param allowedHosts the hosts servers may report (full match), e.g. {@code node[0-9]+\.cluster\.example}
	 * @param maxFailures wrong secrets tolerated per registration before it is revoked
	 */
	public ReadinessCallbacks(Pattern allowedHosts, int maxFailures) {
		this.allowedHosts = Objects.requireNonNull(allowedHosts, "allowedHosts");
		if (maxFailures < 1) {
			throw new IllegalArgumentException("maxFailures must be at least 1");
		}
		this.maxFailures = maxFailures;
	}

	/** A new callback key: 128 random bits, URL-safe, fit for a URL path segment. */
	public static String newKey() {
		return random(16);
	}

	/** A new per-spawn secret: 256 random bits, URL-safe. */
	public static String newSecret() {
		return random(32);
	}

	/** The SHA-256 of a secret, in hex: what is stored and compared, so the secret itself need not be kept. */
	public static String hash(String secret) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String random(int bytes) {
		byte[] b = new byte[bytes];
		RANDOM.nextBytes(b);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
	}

	/**
	 * Registers a spawn's callback.
	 * @param key the callback key (from {@link #newKey()})
	 * @param secretHash {@link #hash} of the spawn's secret
	 * @param node where the scheduler says the job runs: called at each {@link #accept}, returns {@code null}
	 * while that is not known (the job is not running yet, as far as the last query saw)
	 * @param description what the log calls this spawn (user, job id), never a secret
	 * @return the registration; replaces an earlier one with the same key
	 */
	public Registration register(String key, String secretHash, Supplier<@Nullable String> node, String description) {
		if (!KEY.matcher(key).matches()) {
			throw new IllegalArgumentException("malformed callback key");
		}
		Registration registration = new Registration(key, HexFormat.of().parseHex(secretHash), node, description);
		this.registrations.put(key, registration);
		return registration;
	}

	/** Forgets a registration (after the server stopped). A pending {@link Registration#endpoint()} never resolves. */
	public void unregister(String key) {
		this.registrations.remove(key);
	}

	/** The endpoint accepted for {@code key}, while registered. */
	public Optional<ServerEndpoint> endpoint(String key) {
		Registration registration = this.registrations.get(key);
		return (registration != null) ? Optional.ofNullable(registration.accepted) : Optional.empty();
	}

	/**
	 * Handles one report from a job.
	 * @param key the callback key from the URL
	 * @param secret the bearer secret the job presented
	 * @param host the host the job reported
	 * @param port the port the job reported
	 * @return the outcome, with a short message fit for the HTTP answer (never a secret); never throws
	 */
	public Result accept(String key, String secret, String host, int port) {
		Registration registration = (key != null) ? this.registrations.get(key) : null;
		if (registration == null) {
			return new Result(Outcome.UNKNOWN_KEY, "no such spawn");
		}
		if (!registration.secretMatches(secret)) {
			int failures = registration.failures.incrementAndGet();
			log.warn("callback with a wrong secret spawn={} failures={}", registration.description, failures);
			if (failures >= this.maxFailures) {
				this.registrations.remove(key, registration);
				registration.sink.tryEmitError(new SpawnException("callback", "The server's start-up report was rejected too often.",
						"callback revoked after " + failures + " wrong secrets spawn=" + registration.description));
			}
			return new Result(Outcome.FORBIDDEN, "wrong secret");
		}
		if (host == null || !HOST.matcher(host).matches() || host.contains("..") || port < 1 || port > 65535) {
			return new Result(Outcome.INVALID, "malformed host or port");
		}
		if (!this.allowedHosts.matcher(host).matches()) {
			log.warn("callback from a host outside the allow-list spawn={} host={}", registration.description, host);
			return new Result(Outcome.HOST_NOT_ALLOWED, "host not allowed");
		}
		String node = registration.node.get();
		if (node == null) {
			return new Result(Outcome.RETRY_LATER, "the scheduler does not list the job as running yet");
		}
		if (!sameHost(host, node)) {
			log.warn("callback host is not the job's node spawn={} host={} node={}", registration.description, host, node);
			return new Result(Outcome.HOST_NOT_ALLOWED, "host is not the job's node");
		}
		ServerEndpoint endpoint = new ServerEndpoint(host, port);
		synchronized (registration) {
			if (registration.accepted != null) {
				return registration.accepted.equals(endpoint) ? new Result(Outcome.ACCEPTED, "already accepted")
						: new Result(Outcome.INVALID, "a different endpoint was already accepted");
			}
			registration.accepted = endpoint;
		}
		log.info("server reported ready spawn={} endpoint={}:{}", registration.description, host, port);
		registration.sink.tryEmitValue(endpoint);
		return new Result(Outcome.ACCEPTED, "accepted");
	}

	/** Equal, or one is the other's short name ({@code n1} and {@code n1.cluster}). */
	static boolean sameHost(String host, String node) {
		String h = host.toLowerCase(Locale.ROOT);
		String n = node.toLowerCase(Locale.ROOT);
		return h.equals(n) || h.startsWith(n + ".") || n.startsWith(h + ".");
	}

	/** What {@link #accept} decided. */
	public enum Outcome {

		/** Accepted (or accepted before, with the same endpoint): answer 200. */
		ACCEPTED,
		/** Not decidable yet (the scheduler has not listed the job as running): answer 503; the job retries. */
		RETRY_LATER,
		/** No such registration: answer 404. */
		UNKNOWN_KEY,
		/** Wrong secret: answer 403. */
		FORBIDDEN,
		/** The host is outside the allow-list or is not the job's node: answer 403. */
		HOST_NOT_ALLOWED,
		/** Malformed host or port, or a second, different endpoint: answer 400. */
		INVALID
	}

	/**
	 * The outcome of one report.
	 * @param outcome what was decided
	 * @param message a short explanation, fit for the HTTP answer and the log
	 */
	public record Result(Outcome outcome, String message) {
	}

	/** One registered spawn. */
	public static final class Registration {

		private final String key;

		private final byte[] secretHash;

		private final Supplier<@Nullable String> node;

		private final String description;

		private final AtomicInteger failures = new AtomicInteger();

		private final Sinks.One<ServerEndpoint> sink = Sinks.one();

		private volatile @Nullable ServerEndpoint accepted;

		Registration(String key, byte[] secretHash, Supplier<@Nullable String> node, String description) {
			this.key = key;
			this.secretHash = secretHash;
			this.node = node;
			this.description = description;
		}

		/** The callback key. */
		public String key() {
			return this.key;
		}

		/**
		 * Resolves with the endpoint once a report is accepted; errors with {@link SpawnException} (reason
		 * {@code "callback"}) when the registration was revoked. Replays to late subscribers.
		 */
		public Mono<ServerEndpoint> endpoint() {
			return this.sink.asMono();
		}

		private boolean secretMatches(@Nullable String secret) {
			byte[] presented = HexFormat.of().parseHex(hash((secret != null) ? secret : ""));
			return MessageDigest.isEqual(presented, this.secretHash);
		}
	}
}
