package org.portico.spawner.placement;

import java.time.Duration;
import java.util.Objects;

/**
 * What one user may hold at once in the pool.
 *
 * @param maxSessions sessions at the same time, at least 1
 * @param maxWalltime the longest a session may be asked to run
 * @param maxCores cores over all of the user's sessions, at least 1
 */
public record UserLimits(int maxSessions, Duration maxWalltime, int maxCores) {

	/** One session, 24 h at most, no core limit beyond the node's. */
	public static final UserLimits DEFAULT = new UserLimits(1, Duration.ofHours(24), Integer.MAX_VALUE);

	public UserLimits {
		if (maxSessions < 1) {
			throw new IllegalArgumentException("maxSessions must be at least 1, not " + maxSessions);
		}
		Objects.requireNonNull(maxWalltime, "maxWalltime");
		if (maxWalltime.isNegative() || maxWalltime.isZero()) {
			throw new IllegalArgumentException("maxWalltime must be positive");
		}
		if (maxCores < 1) {
			throw new IllegalArgumentException("maxCores must be at least 1, not " + maxCores);
		}
	}
}
