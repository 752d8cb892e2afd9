package org.portico.spawner.local;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link LocalProcessSpawner}.
 *
 * @param host the address servers bind to and the gateway connects to (loopback by default)
 * @param setsid the {@code setsid} program that detaches a server into its own session
 * @param stopGrace how long a graceful stop waits after SIGTERM before SIGKILL
 * @param killWait how long to wait for the process group to vanish after SIGKILL
 * @param readyProbeInterval how often a starting server's port is probed
 */
public record LocalSpawnerSettings(String host, String setsid, Duration stopGrace, Duration killWait,
		Duration readyProbeInterval) {

	public LocalSpawnerSettings {
		Objects.requireNonNull(host, "host");
		Objects.requireNonNull(setsid, "setsid");
		Objects.requireNonNull(stopGrace, "stopGrace");
		Objects.requireNonNull(killWait, "killWait");
		Objects.requireNonNull(readyProbeInterval, "readyProbeInterval");
	}

	/** Loopback, {@code setsid} from the system, 5 s grace, 5 s kill wait, probes every 200 ms. */
	public static LocalSpawnerSettings defaults() {
		return new LocalSpawnerSettings("127.0.0.1", "setsid", Duration.ofSeconds(5), Duration.ofSeconds(5),
				Duration.ofMillis(200));
	}
}
