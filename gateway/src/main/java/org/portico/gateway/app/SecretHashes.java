package org.portico.gateway.app;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The hashed forms in which an app may be given its server's secret ({@code secret-hash}).
 */
final class SecretHashes {

	/*
	 * The cost of code-server's documented example hash (argon2-cli's defaults). A hash's cost slows
	 * the guessing of weak passwords; the secret is 256 random bits, so a higher cost would guard
	 * nothing and only slow every start (Bouncy Castle's Argon2 is pure Java).
	 */
	private static final int MEMORY_KIB = 4096;

	private static final int ITERATIONS = 3;

	private static final int PARALLELISM = 1;

	/** Hashes already made: every start and route of a server asks again for the same one. */
	private static final Cache<String, String> ARGON2 = Caffeine.newBuilder().maximumSize(10_000).build();

	private SecretHashes() {
	}

	/**
	 * An Argon2id hash of {@code secret} in PHC form ({@code $argon2id$v=19$m=..,t=..,p=..$SALT$HASH}),
	 * as argon2 libraries (node's {@code argon2}, which code-server uses) verify it. The salt is derived
	 * from the secret, so the same secret always gives the same string: the gateway presents it as a
	 * session cookie, and must present the same one after a restart without storing it.
	 */
	static String argon2(String secret) {
		return ARGON2.get(secret, SecretHashes::computeArgon2);
	}

	private static String computeArgon2(String secret) {
		byte[] salt = Arrays.copyOf(sha256("portico argon2 salt\0" + secret), 16);
		Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
			.withVersion(Argon2Parameters.ARGON2_VERSION_13)
			.withMemoryAsKB(MEMORY_KIB)
			.withIterations(ITERATIONS)
			.withParallelism(PARALLELISM)
			.withSalt(salt)
			.build();
		Argon2BytesGenerator generator = new Argon2BytesGenerator();
		generator.init(parameters);
		byte[] hash = new byte[32];
		generator.generateBytes(secret.getBytes(StandardCharsets.UTF_8), hash);
		Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
		return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + b64.encodeToString(salt) + "$"
				+ b64.encodeToString(hash);
	}

	private static byte[] sha256(String text) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every JDK has SHA-256", ex);
		}
	}
}
