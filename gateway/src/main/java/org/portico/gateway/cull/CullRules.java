package org.portico.gateway.cull;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;

/**
 * The culling policy as one pure function: what to do with one server now. No I/O, no clock of
 * its own, so every rule is tested directly.
 */
public final class CullRules {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);

	/** What the culler does with a server. */
	public enum Action {
		KEEP, WARN, CULL
	}

	/**
	 * A decision and why.
	 *
	 * @param action what to do
	 * @param reason in words for the server's owner, with the real numbers
	 */
	public record Decision(Action action, String reason) {
	}

	/**
	 * The inputs of one decision.
	 *
	 * @param record the server
	 * @param lastHuman its last human action (epoch ms), 0 when none
	 * @param lastBusy the last time a probe found a kernel busy (epoch ms), 0 when never
	 * @param kernels the latest probe
	 * @param lastWatched for a pending start: the last moment someone followed it (epoch ms), or {@code null}
	 */
	public record Inputs(ServerRecord record, long lastHuman, long lastBusy, KernelState kernels, @Nullable Long lastWatched) {
	}

	private CullRules() {
	}

	/**
	 * Decides what to do with one server now.
	 * @param policy the server's effective policy (its profile's, see {@link CullPolicies})
	 * @return the decision and its reason; never {@code null}, never blocks
	 */
	public static Decision decide(Inputs in, Instant now, CullPolicy policy) {
		ServerRecord record = in.record();
		if (record.phase() == ServerPhase.PENDING) {
			if (!policy.pendingAbandon().isZero() && in.lastWatched() != null
					&& now.toEpochMilli() - in.lastWatched() >= policy.pendingAbandon().toMillis()) {
				return new Decision(Action.CULL, "abandoned: nobody has followed its start for "
						+ span(now.toEpochMilli() - in.lastWatched()));
			}
			return new Decision(Action.KEEP, "starting");
		}
		if (record.phase() != ServerPhase.RUNNING) {
			return new Decision(Action.KEEP, record.phase().name().toLowerCase());
		}
		Instant started = (record.started() != null) ? record.started() : now;
		if (record.expiresAt() != null && !now.isBefore(record.expiresAt())) {
			return new Decision(Action.CULL, "its time limit ended at " + TIME.format(record.expiresAt()));
		}
		if (!policy.maxAge().isZero() && Duration.between(started, now).compareTo(policy.maxAge()) >= 0) {
			return new Decision(Action.CULL, "it reached the maximum age of " + hours(policy.maxAge()));
		}
		Decision idle = idle(in, now, policy, started);
		if (idle.action() == Action.KEEP && record.expiresAt() != null
				&& Duration.between(now, record.expiresAt()).compareTo(policy.warnBefore()) <= 0) {
			return new Decision(Action.WARN, "its time limit ends at " + TIME.format(record.expiresAt()) + ", in "
					+ span(record.expiresAt().toEpochMilli() - now.toEpochMilli()));
		}
		return idle;
	}

	private static Decision idle(Inputs in, Instant now, CullPolicy policy, Instant started) {
		if (policy.idleTimeout().isZero()) {
			return new Decision(Action.KEEP, "idle culling is off");
		}
		ServerRecord record = in.record();
		if (record.keepUntil() != null && now.isBefore(record.keepUntil())) {
			return new Decision(Action.KEEP, "kept by its owner until " + TIME.format(record.keepUntil()));
		}
		if (!in.kernels().known()) {
			return new Decision(Action.KEEP, "kernel state unknown (the server did not answer the probe)");
		}
		if (policy.busyCountsAsActivity() && in.kernels().busy()) {
			return new Decision(Action.KEEP, "a kernel is busy");
		}
		long busy = policy.busyCountsAsActivity() ? Math.max(in.lastBusy(), in.kernels().lastOutput()) : 0;
		long last = Math.max(Math.max(in.lastHuman(), busy), started.toEpochMilli());
		long idle = now.toEpochMilli() - last;
		if (idle < policy.idleTimeout().toMillis()) {
			return new Decision(Action.KEEP, "active " + span(idle) + " ago");
		}
		String human = (in.lastHuman() > 0) ? "last human action " + TIME.format(Instant.ofEpochMilli(in.lastHuman()))
				: "no human action since its start at " + TIME.format(started);
		String kernels = policy.busyCountsAsActivity()
				? ((busy > 0) ? "no kernel busy since " + TIME.format(Instant.ofEpochMilli(busy)) : "no kernel busy")
				: "kernels not counted";
		return new Decision(Action.CULL, "idle " + span(idle) + ": " + kernels + ", " + human);
	}

	/** A span in words: seconds below two minutes, minutes below two hours, else hours and minutes. */
	static String span(long millis) {
		long seconds = Math.max(0, millis / 1000);
		if (seconds < 120) {
			return seconds + " s";
		}
		if (seconds < 7200) {
			return (seconds / 60) + " min";
		}
		return (seconds / 3600) + " h " + ((seconds % 3600) / 60) + " min";
	}

	private static String hours(Duration duration) {
		return (duration.toMinutes() % 60 == 0) ? duration.toHours() + " h" : duration.toMinutes() + " min";
	}
}
