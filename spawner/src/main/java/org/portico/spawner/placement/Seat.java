package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Where an admitted session runs and with what share: the result of a placement.
 *
 * <p>The seat also says how to enforce itself: {@link #slurmArguments(GpuBinding)} for the job's
 * submission and {@link #environment(GpuBinding)} for the job's environment. Both are pure functions of
 * the seat.
 *
 * @param sessionId the session's id
 * @param user the owner
 * @param node the node's name
 * @param gpu the GPU's index on the node, or {@code null} without GPU
 * @param gpuSlots the GPU slots taken (0 without GPU; all of a GPU's slots for a whole GPU)
 * @param slotsPerGpu the slots each GPU of this node has (0 on a node without GPUs)
 * @param gpuMemoryMiB the GPU memory the taken slots amount to (0 when unknown or without GPU)
 * @param cores the cores granted
 * @param memoryMiB the memory granted in MiB
 * @param walltime how long the session may run
 * @param since when it was placed
 * @param reservationId the reservation whose seat it took, or {@code null}
 * @param environmentPins the variables that pin the share, with {@code CUDA_VISIBLE_DEVICES}
 */
public record Seat(String sessionId, String user, String node, @Nullable Integer gpu, int gpuSlots, int slotsPerGpu,
		long gpuMemoryMiB, int cores, long memoryMiB, Duration walltime, Instant since, @Nullable String reservationId,
		Map<String, String> environmentPins) {

	/** The device the job sees, as a list of indexes. */
	public static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

	public Seat {
		Objects.requireNonNull(sessionId, "sessionId");
		Objects.requireNonNull(user, "user");
		Objects.requireNonNull(node, "node");
		Objects.requireNonNull(walltime, "walltime");
		Objects.requireNonNull(since, "since");
		environmentPins = Map.copyOf(environmentPins);
		if ((gpu == null) != (gpuSlots == 0)) {
			throw new IllegalArgumentException("a seat has a GPU index exactly when it has GPU slots");
		}
		if (gpuSlots < 0 || gpuSlots > slotsPerGpu && gpu != null || cores < 1 || memoryMiB < 0) {
			throw new IllegalArgumentException("invalid seat shares for " + sessionId);
		}
	}

	/**
	 * Builds a seat and the environment that pins it: the thread counts of OpenMP, MKL and OpenBLAS equal
	 * to the cores, the GPU in {@code CUDA_VISIBLE_DEVICES}, and, with {@code mps} on a part of a GPU, the
	 * MPS thread percentage and pinned memory limit of its slots.
	 */
	static Seat of(String sessionId, String user, String node, @Nullable Integer gpu, int gpuSlots, int slotsPerGpu,
			long slotMemoryMiB, int cores, long memoryMiB, Duration walltime, Instant since,
			@Nullable String reservationId, boolean mps) {
		Map<String, String> env = new LinkedHashMap<>();
		String threads = Integer.toString(cores);
		env.put("OMP_NUM_THREADS", threads);
		env.put("MKL_NUM_THREADS", threads);
		env.put("OPENBLAS_NUM_THREADS", threads);
		long gpuMemory = (long) gpuSlots * slotMemoryMiB;
		if (gpu != null) {
			env.put(CUDA_VISIBLE_DEVICES, gpu.toString());
			if (mps && gpuSlots < slotsPerGpu) {
				// Rounded up so that a slot never gets 0 %; MPS takes 1..100.
				int percent = (int) Math.min(100, (100L * gpuSlots + slotsPerGpu - 1) / slotsPerGpu);
				env.put("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", Integer.toString(percent));
				if (gpuMemory > 0) {
					// Device 0 is the job's only visible device after CUDA_VISIBLE_DEVICES.
					env.put("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "0=" + gpuMemory + "M");
				}
			}
		}
		return new Seat(sessionId, user, node, gpu, gpuSlots, slotsPerGpu, gpuMemory, cores, memoryMiB, walltime, since,
				reservationId, env);
	}

	/** Whether the seat holds a whole GPU. */
	public boolean wholeGpu() {
		return this.gpu != null && this.gpuSlots == this.slotsPerGpu;
	}

	/** When the session's run time is over. */
	public Instant endsAt() {
		return this.since.plus(this.walltime);
	}

	/** This seat with its slots on another GPU of the same node (and that GPU in its pins). */
	public Seat onGpu(int device) {
		if (this.gpu == null) {
			throw new IllegalStateException("a seat without GPU slots cannot move to a GPU");
		}
		Map<String, String> pins = new LinkedHashMap<>(this.environmentPins);
		pins.computeIfPresent(CUDA_VISIBLE_DEVICES, (key, old) -> Integer.toString(device));
		return new Seat(this.sessionId, this.user, this.node, device, this.gpuSlots, this.slotsPerGpu, this.gpuMemoryMiB,
				this.cores, this.memoryMiB, this.walltime, this.since, this.reservationId, pins);
	}

	/**
	 * The environment the job must run with to keep to its share.
	 * @param binding who binds the GPU; with {@link GpuBinding#SCHEDULER} the scheduler sets
	 * {@code CUDA_VISIBLE_DEVICES}, so it is left out
	 * @return variable names to values, in a stable order
	 */
	public Map<String, String> environment(GpuBinding binding) {
		Map<String, String> env = new LinkedHashMap<>();
		for (String key : List.of("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", CUDA_VISIBLE_DEVICES,
				"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT")) {
			String value = this.environmentPins.get(key);
			if (value != null && !(binding == GpuBinding.SCHEDULER && key.equals(CUDA_VISIBLE_DEVICES))) {
				env.put(key, value);
			}
		}
		return env;
	}

	/**
	 * The {@code sbatch} arguments that put the job on this seat, for example
	 * {@code [--nodelist=n3, --cpus-per-task=2, --mem=8192M, --time=2:00:00, --oversubscribe, --gres=shard:1]}.
	 * The partition, account and script are the adapter's.
	 * @param binding how the GPU share is bound
	 * @return the arguments, an argument list (never a shell string)
	 */
	public List<String> slurmArguments(GpuBinding binding) {
		List<String> args = new ArrayList<>();
		args.add("--nodelist=" + this.node);
		args.add("--cpus-per-task=" + this.cores);
		if (this.memoryMiB > 0) {
			args.add("--mem=" + this.memoryMiB + "M");
		}
		args.add("--time=" + slurmTime(this.walltime));
		// Cores are shared in any case; the interactive partition may also force it.
		args.add("--oversubscribe");
		if (binding == GpuBinding.SCHEDULER && this.gpu != null) {
			args.add(wholeGpu() ? "--gres=gpu:1" : "--gres=shard:" + this.gpuSlots);
		}
		return args;
	}

	/**
	 * The seat as string data for the gateway's persisted {@code SpawnState}, read back with
	 * {@link ExistingSession#fromStateData}.
	 */
	public Map<String, String> toStateData() {
		Map<String, String> data = new LinkedHashMap<>();
		data.put(ExistingSession.NODE, this.node);
		if (this.gpu != null) {
			data.put(ExistingSession.GPU, this.gpu.toString());
			data.put(ExistingSession.GPU_SLOTS, Integer.toString(this.gpuSlots));
		}
		data.put(ExistingSession.CORES, Integer.toString(this.cores));
		data.put(ExistingSession.MEMORY, Long.toString(this.memoryMiB));
		data.put(ExistingSession.SINCE, this.since.toString());
		data.put(ExistingSession.WALLTIME, this.walltime.toString());
		if (this.reservationId != null) {
			data.put(ExistingSession.RESERVATION, this.reservationId);
		}
		return data;
	}

	static String slurmTime(Duration walltime) {
		long seconds = Math.max(60, walltime.toSeconds());
		long days = seconds / 86_400;
		long h = (seconds % 86_400) / 3600;
		long m = (seconds % 3600) / 60;
		long s = seconds % 60;
		return (days > 0) ? String.format(Locale.ROOT, "%d-%02d:%02d:%02d", days, h, m, s) : String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s);
	}
}
