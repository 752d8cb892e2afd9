package org.portico.gateway.cull;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.batch.ProfileProperties;

/**
 * The culling policy in force for one server: the global {@code portico.cull.*} values with its
 * profile's overrides ({@code portico.profiles.NAME.cull.*}) applied. What {@link CullRules} decides
 * with; sweep-wide settings (interval, dry run, probe timeout) stay in {@link CullProperties}.
 *
 * @param idleTimeout how long without a human action (and with no kernel busy) a server may stay; zero
 * disables idle culling
 * @param maxAge the longest a server may run whatever it does; zero: no limit
 * @param busyCountsAsActivity whether a busy kernel or an active terminal keeps a server
 * @param warnBefore how long before its walltime ends the owner is warned
 * @param maxKeep how far ahead the owner may pin the server against idle culling
 * @param pendingAbandon a start that nobody has followed for this long is cancelled; zero disables
 */
public record CullPolicy(Duration idleTimeout, Duration maxAge, boolean busyCountsAsActivity, Duration warnBefore,
		Duration maxKeep, Duration pendingAbandon) {

	public CullPolicy {
		requireNotNegative(idleTimeout, "idle-timeout");
		requireNotNegative(maxAge, "max-age");
		requireNotNegative(warnBefore, "warn-before");
		requireNotNegative(maxKeep, "max-keep");
		requireNotNegative(pendingAbandon, "pending-abandon");
	}

	/** The global policy, {@code portico.cull.*}. */
	public static CullPolicy of(CullProperties global) {
		return new CullPolicy(global.idleTimeout(), global.maxAge(), global.busyCountsAsActivity(), global.warnBefore(),
				global.maxKeep(), global.pendingAbandon());
	}

	/**
	 * This policy with a profile's overrides applied.
	 * @param overrides the profile's {@code cull} block; {@code null}: nothing overridden
	 * @throws IllegalArgumentException when an override is negative
	 */
	public CullPolicy with(ProfileProperties.@Nullable CullOverrides overrides) {
		if (overrides == null) {
			return this;
		}
		return new CullPolicy(or(overrides.idleTimeout(), this.idleTimeout), or(overrides.maxAge(), this.maxAge),
				or(overrides.busyCountsAsActivity(), this.busyCountsAsActivity), or(overrides.warnBefore(), this.warnBefore),
				or(overrides.maxKeep(), this.maxKeep), this.pendingAbandon);
	}

	private static <T> T or(@Nullable T override, T global) {
		return (override != null) ? override : global;
	}

	private static void requireNotNegative(Duration value, String name) {
		Objects.requireNonNull(value, name);
		if (value.isNegative()) {
			throw new IllegalArgumentException(name + " must not be negative");
		}
	}
}
