package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A session that runs already, as the scheduler (and the gateway's persisted state) know it: what
 * {@link PlacementEngine#rebuild} takes after a gateway restart.
 *
 * @param sessionId the session's id
 * @param user the owner
 * @param node the node it runs on
 * @param gpu the GPU index, or {@code null}
 * @param gpuSlots the GPU slots it holds (0 without GPU)
 * @param cores its cores
 * @param memoryMiB its memory in MiB
 * @param since when it was placed
 * @param walltime its run time limit
 * @param reservationId the reservation whose seat it holds, or {@code null}
 */
public record ExistingSession(String sessionId, String user, String node, @Nullable Integer gpu, int gpuSlots, int cores,
		long memoryMiB, Instant since, Duration walltime, @Nullable String reservationId) {

	public static final String NODE = "placement.node";

	public static final String GPU = "placement.gpu";

	public static final String GPU_SLOTS = "placement.gpuSlots";

	public static final String CORES = "placement.cores";

	static final String MEMORY = "placement.memoryMiB";

	static final String SINCE = "placement.since";

	static final String WALLTIME = "placement.walltime";

	public static final String RESERVATION = "placement.reservation";

	public ExistingSession {
		Objects.requireNonNull(sessionId, "sessionId");
		Objects.requireNonNull(user, "user");
		Objects.requireNonNull(node, "node");
		Objects.requireNonNull(since, "since");
		Objects.requireNonNull(walltime, "walltime");
		if ((gpu == null) != (gpuSlots == 0) || gpuSlots < 0 || cores < 1 || memoryMiB < 0) {
			throw new IllegalArgumentException("invalid shares for existing session " + sessionId);
		}
	}

	/** The session a seat describes. */
	public static ExistingSession of(Seat seat) {
		return new ExistingSession(seat.sessionId(), seat.user(), seat.node(), seat.gpu(), seat.gpuSlots(), seat.cores(),
				seat.memoryMiB(), seat.since(), seat.walltime(), seat.reservationId());
	}

	/**
	 * Reads what {@link Seat#toStateData()} wrote.
	 * @throws IllegalArgumentException if a value is missing or malformed
	 */
	public static ExistingSession fromStateData(String sessionId, String user, Map<String, String> data) {
		try {
			String gpu = data.get(GPU);
			return new ExistingSession(sessionId, user, required(data, NODE), (gpu != null) ? Integer.valueOf(gpu) : null,
					(gpu != null) ? Integer.parseInt(required(data, GPU_SLOTS)) : 0, Integer.parseInt(required(data, CORES)),
					Long.parseLong(required(data, MEMORY)), Instant.parse(required(data, SINCE)),
					Duration.parse(required(data, WALLTIME)), data.get(RESERVATION));
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("no valid seat in the state of session " + sessionId + ": " + ex.getMessage(),
					ex);
		}
	}

	private static String required(Map<String, String> data, String key) {
		String value = data.get(key);
		if (value == null) {
			throw new IllegalArgumentException(key + " is missing");
		}
		return value;
	}
}
