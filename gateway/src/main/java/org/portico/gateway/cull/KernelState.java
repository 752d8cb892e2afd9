package org.portico.gateway.cull;

/**
 * What a server said about its kernels and terminals at the last probe.
 *
 * @param known whether the probe got an answer (an unanswered probe keeps a server: it may be too
 * busy computing to answer)
 * @param busy whether a kernel was executing
 * @param kernels how many kernels it runs
 * @param lastOutput the latest activity the server reports for a terminal (epoch ms), 0 when none
 */
public record KernelState(boolean known, boolean busy, int kernels, long lastOutput) {

	/** A server that does not report kernel state (apps other than Jupyter). */
	public static final KernelState NOT_APPLICABLE = new KernelState(true, false, 0, 0);

	/** A probe that got no answer. */
	public static final KernelState UNKNOWN = new KernelState(false, false, 0, 0);
}
