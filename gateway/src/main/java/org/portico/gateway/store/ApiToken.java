package org.portico.gateway.store;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * An API token's record (never the token itself: only its hash is stored).
 *
 * @param id the token's public id, used to list and revoke it
 * @param user its owner
 * @param prefix the first characters of the token, so a user can tell tokens apart
 * @param note what the user said it is for
 * @param created when it was issued
 * @param expiresAt when it stops working, or {@code null} for never
 * @param lastActivity its last use, where known
 */
public record ApiToken(String id, String user, String prefix, @Nullable String note, Instant created,
		@Nullable Instant expiresAt, @Nullable Instant lastActivity) {

	/** Whether the token has expired at {@code now}. */
	public boolean expired(Instant now) {
		return this.expiresAt != null && !now.isBefore(this.expiresAt);
	}
}
