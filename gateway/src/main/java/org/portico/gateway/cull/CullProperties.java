package org.portico.gateway.cull;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The culling policy ({@code portico.cull.*}).
 *
 * @param enabled whether the culler runs at all
 * @param interval how often it sweeps (and probes the servers' kernels)
 * @param idleTimeout how long without a human action (and with no kernel busy) a server may stay;
 * zero disables idle culling
 * @param maxAge the longest a server may run whatever it does; zero: no limit (walltime still applies)
 * @param busyCountsAsActivity whether a busy kernel or an active terminal keeps a server (up to
 * maximum age and walltime)
 * @param dryRun report what would be culled (events, {@code GET /hub/api/culler}) without stopping anything
 * @param maxKeep how far ahead a user may pin a server against idle culling
 * @param warnBefore how long before its walltime ends a user is warned
 * @param pendingAbandon a start that nobody has followed for this long is cancelled; zero disables
 * @param probeTimeout how long a server has to answer the kernel probe
 */
@Validated
@ConfigurationProperties("portico.cull")
public record CullProperties(@DefaultValue("true") boolean enabled, @NotNull @DefaultValue("60s") Duration interval,
		@NotNull @DefaultValue("60m") Duration idleTimeout, @NotNull @DefaultValue("0s") Duration maxAge,
		@DefaultValue("true") boolean busyCountsAsActivity, @DefaultValue("false") boolean dryRun,
		@NotNull @DefaultValue("8h") Duration maxKeep, @NotNull @DefaultValue("10m") Duration warnBefore,
		@NotNull @DefaultValue("30m") Duration pendingAbandon, @NotNull @DefaultValue("5s") Duration probeTimeout) {
}
