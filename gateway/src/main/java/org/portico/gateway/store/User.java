package org.portico.gateway.store;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A Portico account.
 *
 * @param name the validated user name
 * @param admin whether the user administers Portico
 * @param passwordHash the encoded password, or {@code null} for accounts without a password login
 * @param created when the account was created
 * @param lastActivity the user's last authenticated request, where known
 */
public record User(String name, boolean admin, @Nullable String passwordHash, Instant created, @Nullable Instant lastActivity) {

	@Override
	public String toString() {
		return "User[name=" + this.name + ", admin=" + this.admin + "]";
	}
}
