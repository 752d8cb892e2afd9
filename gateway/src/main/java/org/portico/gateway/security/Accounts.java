package org.portico.gateway.security;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.store.ApiToken;
import org.portico.gateway.store.ServerStore;
import org.portico.gateway.store.TokenStore;
import org.portico.gateway.store.User;
import org.portico.gateway.store.UserStore;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Local accounts and their API tokens: creating and deleting users, checking passwords, issuing
 * and revoking tokens. Every name and password is validated here, whichever page or API call it
 * came from.
 */
@Component
public final class Accounts {

	/** A refused account operation; the message is for the person who asked. */
	public static final class AccountException extends RuntimeException {

		/** What kind of refusal. */
		public enum Kind {
			/** Bad input: a name, password or note that breaks the rules. */
			INVALID,
			/** The user or token does not exist. */
			NOT_FOUND,
			/** The name is taken. */
			EXISTS,
			/** The request contradicts the current state (a server still runs). */
			CONFLICT
		}

		private final Kind kind;

		AccountException(String message, Kind kind) {
			super(message);
			this.kind = kind;
		}

		public Kind kind() {
			return this.kind;
		}
	}

	/** A new token: its record and, this once, its value. */
	public record IssuedToken(ApiToken token, String value) {
	}

	private final UserStore users;

	private final TokenStore tokens;

	private final ServerStore servers;

	private final Passwords passwords;

	private final Authenticator authenticator;

	public Accounts(UserStore users, TokenStore tokens, ServerStore servers, Passwords passwords, Authenticator authenticator) {
		this.users = users;
		this.tokens = tokens;
		this.servers = servers;
		this.passwords = passwords;
		this.authenticator = authenticator;
	}

	/**
	 * Creates a user.
	 * @return emits the user; errors with {@link AccountException} for a bad name or password, or a
	 * name that is taken
	 */
	public Mono<User> create(String name, boolean admin, @Nullable String password) {
		if (!Names.isValidUser(name)) {
			return Mono.error(new AccountException("Invalid user name '" + printable(name) + "'. " + Names.userRule(), AccountException.Kind.INVALID));
		}
		if (password != null && Passwords.problem(password) != null) {
			return Mono.error(new AccountException(Passwords.problem(password), AccountException.Kind.INVALID));
		}
		// @formatter:off
		return hash(password)
			.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty())
			.flatMap((hash) -> this.users.create(name, admin, hash.orElse(null)))
			.flatMap((created) -> created ? this.users.find(name)
					: Mono.error(new AccountException("User '" + name + "' already exists.", AccountException.Kind.EXISTS)));
		// @formatter:on
	}

	/** Checks a login; emits the user when the password matches, else completes empty. Never reveals which part was wrong. */
	public Mono<User> checkPassword(String name, String password) {
		if (!Names.isValidUser(name) || password.isEmpty()) {
			return Mono.empty();
		}
		// @formatter:off
		return this.users.find(name)
			.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty())
			.flatMap((user) -> Mono.fromCallable(() -> this.passwords.matches(password, user.map(User::passwordHash).orElse(null)))
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap((ok) -> (ok && user.isPresent()) ? Mono.just(user.get()) : Mono.empty()));
		// @formatter:on
	}

	/** Changes a password. */
	public Mono<Void> setPassword(String name, String password) {
		String problem = Passwords.problem(password);
		if (problem != null) {
			return Mono.error(new AccountException(problem, AccountException.Kind.INVALID));
		}
		return hash(password).flatMap((hash) -> this.users.setPassword(name, hash)).flatMap(this::found).then();
	}

	/** Grants or withdraws admin rights. */
	public Mono<Void> setAdmin(String name, boolean admin) {
		return this.users.setAdmin(name, admin).flatMap(this::found)
			.then(Mono.fromRunnable(() -> this.authenticator.userChanged(name)));
	}

	/** Deletes a user whose servers are all stopped. */
	public Mono<Void> delete(String name) {
		// @formatter:off
		return this.servers.forUser(name).filter((server) -> server.phase().active()).hasElements()
			.flatMap((running) -> running
					? Mono.error(new AccountException("User '" + name + "' has a running server; stop it first.", AccountException.Kind.CONFLICT))
					: this.users.delete(name).flatMap(this::found))
			.then(Mono.fromRunnable(() -> this.authenticator.userChanged(name)));
		// @formatter:on
	}

	/**
	 * Issues an API token for {@code user}.
	 * @param expiresIn how long it lasts, or {@code null} for no expiry
	 */
	public Mono<IssuedToken> issueToken(String user, @Nullable String note, @Nullable Duration expiresIn) {
		if (note != null && note.length() > 200) {
			return Mono.error(new AccountException("A token's note may have at most 200 characters.", AccountException.Kind.INVALID));
		}
		String value = Secrets.newToken();
		Instant now = Instant.now();
		ApiToken token = new ApiToken(Secrets.randomBase64(9), user, value.substring(0, 4), note, now,
				(expiresIn != null) ? now.plus(expiresIn) : null, null);
		return this.tokens.create(token, Secrets.sha256(value)).thenReturn(new IssuedToken(token, value));
	}

	/** Revokes one of a user's tokens. */
	public Mono<Void> revokeToken(String user, String id) {
		return this.tokens.delete(user, id)
			.flatMap((existed) -> existed ? Mono.<Void>empty() : Mono.error(new AccountException("No such token.", AccountException.Kind.NOT_FOUND)))
			.then(Mono.fromRunnable(() -> this.authenticator.userChanged(user)));
	}

	private Mono<String> hash(@Nullable String password) {
		if (password == null) {
			return Mono.empty();
		}
		return Mono.fromCallable(() -> this.passwords.hash(password)).subscribeOn(Schedulers.boundedElastic());
	}

	private Mono<Boolean> found(boolean existed) {
		return existed ? Mono.just(true) : Mono.error(new AccountException("No such user.", AccountException.Kind.NOT_FOUND));
	}

	/** A name as it may appear in a message: printable characters only, at most 40. */
	public static String printable(String text) {
		StringBuilder out = new StringBuilder();
		text.codePoints().limit(40).forEach((cp) -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
		return (text.length() > 40) ? out + "..." : out.toString();
	}
}
