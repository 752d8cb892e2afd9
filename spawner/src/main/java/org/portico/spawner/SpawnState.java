package org.portico.spawner;

import java.util.Map;
import java.util.Objects;

/**
 * What a spawner needs to find one of its servers again: its own name, the id of the process or job,
 * and spawner-specific data (host, port, start time). Stored as JSON by the gateway.
 *
 * @param spawner the {@link Spawner#name()} that launched it
 * @param id the process id or job id
 * @param data further string values the spawner chose to keep
 */
public record SpawnState(String spawner, String id, Map<String, String> data) {

	public SpawnState {
		Objects.requireNonNull(spawner, "spawner");
		Objects.requireNonNull(id, "id");
		data = Map.copyOf(data);
	}

	/** A value of {@link #data()}, or {@code null}. */
	public @org.jspecify.annotations.Nullable String get(String key) {
		return this.data.get(key);
	}
}
