package org.portico.spawner.batch;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * What a user asked for on the spawn form, checked against the site's {@link Limits}.
 *
 * @param queue partition or queue, {@code null} for the default
 * @param account account or project, {@code null} for the default
 * @param cores CPU cores
 * @param memoryMiB memory in MiB, 0 for the default
 * @param gpus GPUs
 * @param gres a generic-resource request (Slurm syntax), {@code null} for none
 * @param walltime the time limit
 * @param immediate start now or give up
 * @param nodeList nodes to run on, {@code null} for any
 * @param pins variables that pin a placement seat's share (see {@link #PINNABLE})
 * @param oversubscribe whether the job shares its node's cores (a placement pool's seat)
 */
public record BatchOptions(@Nullable String queue, @Nullable String account, int cores, long memoryMiB, int gpus,
		@Nullable String gres, Duration walltime, boolean immediate, @Nullable String nodeList, Map<String, String> pins,
		boolean oversubscribe) {

	/** The prefix of form keys that carry a pinned variable, e.g. {@code pin.OMP_NUM_THREADS}. */
	public static final String PIN = "pin.";

	/** The variables a placement may pin; nothing else passes as a pin. */
	public static final Set<String> PINNABLE = Set.of("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
			"CUDA_VISIBLE_DEVICES", "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");

	private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,6}(\\.[0-9]{1,4})?");

	private static final Pattern INTEGER = Pattern.compile("[0-9]{1,9}");

	private static final Pattern MEMORY = Pattern.compile("([0-9]{1,9})\\s*([MmGgTt]?)(i?[Bb])?");

	public BatchOptions {
		Objects.requireNonNull(walltime, "walltime");
		pins = Map.copyOf(pins);
	}

	/** Options without a placement seat. */
	public BatchOptions(@Nullable String queue, @Nullable String account, int cores, long memoryMiB, int gpus,
			@Nullable String gres, Duration walltime, boolean immediate, @Nullable String nodeList) {
		this(queue, account, cores, memoryMiB, gpus, gres, walltime, immediate, nodeList, Map.of(), false);
	}

	/**
	 * Reads raw form values ({@code queue}, {@code account}, {@code cores}, {@code memory} as MiB or with a
	 * M/G/T suffix, {@code gpus}, {@code gres}, {@code hours} (decimal), {@code immediate}, {@code nodes});
	 * missing ones take the site's defaults. A {@code gres} that is present but blank means none, not the
	 * default: a placement seat decides the GPU request itself and clears the profile's (a Slurm
	 * {@code shard:N} would otherwise reach Grid Engine, which has no generic resources).
	 * @throws IllegalArgumentException with a message fit for the user (naming the field, never echoing the
	 * value) for anything malformed, out of the site's limits or not in its queue list
	 */
	public static BatchOptions fromForm(Map<String, String> form, Limits limits) {
		BatchOptions d = limits.defaults();
		String queue = token(form, "queue", JobSpec.NAME_TOKEN, d.queue());
		if (queue != null && !limits.queues().isEmpty() && !limits.queues().contains(queue)) {
			throw new IllegalArgumentException("queue is not one this site offers");
		}
		String account = token(form, "account", JobSpec.NAME_TOKEN, d.account());
		int cores = (int) integer(form, "cores", d.cores(), 1, limits.maxCores());
		long memory = memory(form, d.memoryMiB(), limits.maxMemoryMiB());
		int gpus = (int) integer(form, "gpus", d.gpus(), 0, limits.maxGpus());
		String gres = (form.containsKey("gres") && value(form, "gres") == null) ? null
				: token(form, "gres", JobSpec.GRES, d.gres());
		Duration walltime = hours(form, d.walltime(), limits.maxWalltime());
		String immediateText = value(form, "immediate");
		boolean immediate = (immediateText == null) ? d.immediate() : bool(immediateText);
		String nodes = token(form, "nodes", JobSpec.NODE_LIST, d.nodeList());
		Map<String, String> pins = new java.util.TreeMap<>();
		for (Map.Entry<String, String> e : form.entrySet()) {
			if (e.getKey().startsWith(PIN)) {
				String name = e.getKey().substring(PIN.length());
				if (!PINNABLE.contains(name)) {
					throw new IllegalArgumentException("that variable cannot be pinned");
				}
				pins.put(name, token(form, e.getKey(), JobSpec.PIN_VALUE, null));
			}
		}
		String oversubscribeText = value(form, "oversubscribe");
		boolean oversubscribe = (oversubscribeText != null) && bool(oversubscribeText);
		return new BatchOptions(queue, account, cores, memory, gpus, gres, walltime, immediate, nodes, pins, oversubscribe);
	}

	private static @Nullable String value(Map<String, String> form, String field) {
		String raw = form.get(field);
		if (raw == null) {
			return null;
		}
		if (!JobSpec.isPlain(raw)) {
			throw new IllegalArgumentException(field + " must not hold control characters");
		}
		String trimmed = raw.strip();
		return trimmed.isEmpty() ? null : trimmed;
	}

	private static @Nullable String token(Map<String, String> form, String field, Pattern pattern, @Nullable String fallback) {
		String v = value(form, field);
		if (v == null) {
			return fallback;
		}
		if (!pattern.matcher(v).matches()) {
			throw new IllegalArgumentException(field + " holds characters that are not allowed");
		}
		return v;
	}

	private static long integer(Map<String, String> form, String field, long fallback, long min, long max) {
		String v = value(form, field);
		if (v == null) {
			return fallback;
		}
		if (!INTEGER.matcher(v).matches()) {
			throw new IllegalArgumentException(field + " must be a whole number");
		}
		long n = Long.parseLong(v);
		if (n < min || n > max) {
			throw new IllegalArgumentException(field + " must be between " + min + " and " + max);
		}
		return n;
	}

	private static long memory(Map<String, String> form, long fallback, long maxMiB) {
		String v = value(form, "memory");
		if (v == null) {
			return fallback;
		}
		var m = MEMORY.matcher(v);
		if (!m.matches()) {
			throw new IllegalArgumentException("memory must be a number of MiB, or end in M, G or T");
		}
		long n = Long.parseLong(m.group(1));
		long mib = switch (m.group(2).toUpperCase(Locale.ROOT)) {
			case "G" -> n * 1024;
			case "T" -> n * 1024 * 1024;
			default -> n;
		};
		if (mib < 1 || mib > maxMiB) {
			throw new IllegalArgumentException("memory must be between 1 MiB and " + maxMiB + " MiB");
		}
		return mib;
	}

	private static Duration hours(Map<String, String> form, Duration fallback, Duration max) {
		String v = value(form, "hours");
		if (v == null) {
			return fallback;
		}
		if (!DECIMAL.matcher(v).matches()) {
			throw new IllegalArgumentException("hours must be a positive number");
		}
		BigDecimal seconds = new BigDecimal(v).multiply(BigDecimal.valueOf(3600));
		if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(max.toSeconds())) > 0) {
			throw new IllegalArgumentException("hours must be more than 0 and at most " + max.toHours());
		}
		// at least one minute: schedulers count walltime in minutes
		return Duration.ofSeconds(Math.max(60, seconds.longValue()));
	}

	private static boolean bool(String v) {
		return switch (v.toLowerCase(Locale.ROOT)) {
			case "1", "true", "on", "yes" -> true;
			case "0", "false", "off", "no" -> false;
			default -> throw new IllegalArgumentException("immediate must be true or false");
		};
	}

	/**
	 * A site's limits for {@link #fromForm}.
	 * @param maxWalltime the longest walltime
	 * @param maxCores the most cores
	 * @param maxMemoryMiB the most memory
	 * @param maxGpus the most GPUs
	 * @param queues the queues users may choose (empty: any well-formed name)
	 * @param defaults the values of fields the form leaves out
	 */
	public record Limits(Duration maxWalltime, int maxCores, long maxMemoryMiB, int maxGpus, Set<String> queues,
			BatchOptions defaults) {

		public Limits {
			Objects.requireNonNull(maxWalltime, "maxWalltime");
			if (maxWalltime.compareTo(JobSpec.MAX_WALLTIME) > 0 || maxWalltime.isNegative() || maxWalltime.isZero()) {
				throw new IllegalArgumentException("maxWalltime out of range");
			}
			queues = Set.copyOf(queues);
			Objects.requireNonNull(defaults, "defaults");
		}
	}
}
