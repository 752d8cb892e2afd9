package org.portico.spawner.placement;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * One user's wish for an interactive session.
 *
 * @param sessionId the gateway's stable id of the session (for example {@code user/server}); unique
 * among live sessions, and what {@link PlacementEngine#release} takes
 * @param user the owner's Portico name
 * @param groups the owner's groups (matched against {@link Reservation#group()})
 * @param cores cores, at least 1
 * @param memoryMiB memory in MiB
 * @param gpu the GPU share
 * @param walltime how long the session may run; {@code null} for the pool's default
 */
public record SessionRequest(String sessionId, String user, Set<String> groups, int cores, long memoryMiB, GpuShare gpu,
		@Nullable Duration walltime) {

	public SessionRequest {
		Objects.requireNonNull(sessionId, "sessionId");
		Objects.requireNonNull(user, "user");
		if (sessionId.isBlank() || user.isBlank()) {
			throw new IllegalArgumentException("sessionId and user must not be blank");
		}
		groups = Set.copyOf(groups);
		Objects.requireNonNull(gpu, "gpu");
		if (cores < 1) {
			throw new IllegalArgumentException("cores must be at least 1, not " + cores);
		}
		if (memoryMiB < 0) {
			throw new IllegalArgumentException("memoryMiB must not be negative");
		}
		if (walltime != null && (walltime.isNegative() || walltime.isZero())) {
			throw new IllegalArgumentException("walltime must be positive");
		}
	}

	/** The seat size this request asks for. */
	public SeatSize size() {
		return new SeatSize(this.cores, this.memoryMiB, this.gpu);
	}
}
