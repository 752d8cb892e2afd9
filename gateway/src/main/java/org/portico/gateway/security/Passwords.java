package org.portico.gateway.security;

import org.jspecify.annotations.Nullable;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.stereotype.Component;

/** Password hashing (bcrypt, cost 12) and the rules for new passwords. */
@Component
public final class Passwords {

	/** Minimum length of a new password. */
	public static final int MIN_LENGTH = 8;

	private final BCryptPasswordEncoder encoder = new BCryptPasswordEncoder(12);

	/** A hash of something no password equals, compared against for unknown users (same cost, same time). */
	private final String decoy = this.encoder.encode(Secrets.newToken());

	public String hash(String password) {
		return this.encoder.encode(password);
	}

	/**
	 * Checks a password against a stored hash; takes the same time whether or not the hash exists,
	 * so response times do not tell which user names exist. Blocks (about 0.2 s): call it off the
	 * event loop.
	 */
	public boolean matches(String password, @Nullable String hash) {
		if (hash == null) {
			this.encoder.matches(password, this.decoy);
			return false;
		}
		return this.encoder.matches(password, hash);
	}

	/** Why a new password is refused, or {@code null} if it is acceptable. */
	public static @Nullable String problem(@Nullable String password) {
		if (password == null || password.length() < MIN_LENGTH) {
			return "A password needs at least " + MIN_LENGTH + " characters.";
		}
		if (password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 72) {
			return "A password may have at most 72 bytes (bcrypt's limit).";
		}
		return null;
	}
}
