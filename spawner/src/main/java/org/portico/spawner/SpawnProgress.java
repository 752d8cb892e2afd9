package org.portico.spawner;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One step of a server's start, shown to the user as it happens.
 *
 * @param percent how far along, 0 to 100, where the spawner can tell
 * @param message what is happening, in words a user can read
 */
public record SpawnProgress(@Nullable Integer percent, String message) {

	public SpawnProgress {
		Objects.requireNonNull(message, "message");
		if (percent != null && (percent < 0 || percent > 100)) {
			throw new IllegalArgumentException("percent out of range: " + percent);
		}
	}
}
