package org.portico.spawner.placement;

import java.util.Objects;

/**
 * The engine's answer to a {@link SessionRequest}: a seat, or a refusal with its reason. Never "wait".
 */
public sealed interface Decision permits Decision.Admitted, Decision.Refused {

	/**
	 * The session has a seat; submit its job with the seat's arguments and environment.
	 * @param seat the seat, held until {@link PlacementEngine#release}
	 */
	record Admitted(Seat seat) implements Decision {

		public Admitted {
			Objects.requireNonNull(seat, "seat");
		}
	}

	/**
	 * The session cannot start now.
	 * @param reason the reason as a label
	 * @param message the reason in one or two sentences a student understands, with the real numbers
	 */
	record Refused(RefusalReason reason, String message) implements Decision {

		public Refused {
			Objects.requireNonNull(reason, "reason");
			Objects.requireNonNull(message, "message");
		}
	}
}
