package org.portico.gateway.placement;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Placement pools for interactive profiles ({@code portico.placement.*}); a profile names one with
 * {@code portico.profiles.NAME.pool}. Documented in docs/schedulers.md.
 *
 * @param pools the pools by name
 * @param advanceInterval how often reservations are opened and closed when nobody starts a server
 * @param lecturerGroup the group whose members ("lecturers") may reserve seats for the groups they belong
 * to, and cancel those reservations; {@code null}: only admins reserve
 * @param maxReservationLength the longest window of a class reservation
 */
@Validated
@ConfigurationProperties("portico.placement")
public record PlacementProperties(@DefaultValue Map<String, @Valid Pool> pools,
		@DefaultValue("5s") Duration advanceInterval, @Nullable String lecturerGroup,
		@DefaultValue("12h") Duration maxReservationLength) {

	public PlacementProperties {
		pools = Map.copyOf(pools);
	}

	/**
	 * One pool.
	 *
	 * <p>Nodes read from a scheduler are read at start-up (the gateway does not start when that fails or no
	 * node is usable) and again every {@code refreshInterval}: a node the scheduler reports down, drained or
	 * disabled (Grid Engine {@code qmod -d}), or no longer lists, takes no new session (starts are refused
	 * with the reason) but its running sessions keep their seats; a new node is used at once; a node whose
	 * capacity shrank is not over-filled. A failed re-read keeps the last good nodes and logs a warning.
	 *
	 * <p>Grid Engine: the node's cores are the queue instance's slots (what Grid Engine enforces), so
	 * {@code cpuFactor} must be 1 with a queue; the seat is submitted as {@code -q QUEUE@NODE -pe smp CORES};
	 * GPUs need {@code gpuBinding: environment} (Portico sets {@code CUDA_VISIBLE_DEVICES}; the consumable is
	 * not requested, the pool counts the shares); the profile's queue must be the pool's. These are checked at
	 * start-up.
	 * @param source where its nodes come from: {@code config} ({@code nodes}); {@code slurm}
	 * ({@code scontrol show node -o}); {@code sge} ({@code qhost -q -F gpu -xml}); {@code pbs}
	 * ({@code pbsnodes -a -F json}). A scheduler's commands run with its {@code portico.batch.*.bin-dir} and
	 * {@code environment}, as the gateway's own user
	 * @param partition the Slurm partition, Grid Engine queue or PBS queue ({@code Qlist}) whose nodes form the
	 * pool ({@code null}: all nodes)
	 * @param refreshInterval how often the nodes of a scheduler source are read again ({@code 0}: only at
	 * start-up); ignored for {@code config}
	 * @param nodes the nodes, with {@code source: config}
	 * @param swapMib swap per node where the scheduler does not report it
	 * @param gpuMemoryMib memory of each GPU where the scheduler does not report it
	 * @param cpuFactor how far cores are oversubscribed (at least 1)
	 * @param memoryFactor how far memory is stretched, as far as swap backs it (at least 1)
	 * @param sessionsPerGpu sessions per GPU (with Slurm shards: the node's shards per GPU)
	 * @param gpuSliceMib instead of {@code sessions-per-gpu}: GPU memory per slot (0: unused)
	 * @param policy {@code spread} (least loaded first) or {@code pack}
	 * @param maxSessionsPerUser sessions one user may hold in the pool
	 * @param maxCoresPerUser cores one user may hold in the pool
	 * @param maxHours the longest session
	 * @param gpuBinding {@code scheduler} (Slurm binds the GPU: {@code --gres=shard:N} or {@code gpu:1}) or
	 * {@code environment} ({@code CUDA_VISIBLE_DEVICES} set by Portico; Grid Engine, and the local spawner's
	 * virtual nodes)
	 * @param mpsLimits whether GPU slices carry CUDA MPS thread and memory limits
	 * @param reservationLead how long before a reservation's start its seats are held
	 */
	public record Pool(@DefaultValue("config") String source, @Nullable String partition,
			@DefaultValue("60s") Duration refreshInterval, @DefaultValue List<@Valid Node> nodes,
			@DefaultValue("0") long swapMib, @DefaultValue("0") long gpuMemoryMib, @DefaultValue("1") double cpuFactor,
			@DefaultValue("1") double memoryFactor, @DefaultValue("1") int sessionsPerGpu, @DefaultValue("0") long gpuSliceMib,
			@DefaultValue("spread") String policy, @DefaultValue("1") int maxSessionsPerUser,
			@DefaultValue("2147483647") int maxCoresPerUser, @DefaultValue("24") double maxHours,
			@DefaultValue("scheduler") String gpuBinding, @DefaultValue("false") boolean mpsLimits,
			@DefaultValue("0s") Duration reservationLead) {

		public Pool {
			nodes = List.copyOf(nodes);
		}
	}

	/**
	 * A node of a pool from configuration.
	 * @param name the scheduler's node name
	 * @param cores its cores
	 * @param memoryMib its memory in MiB
	 * @param swapMib its swap in MiB
	 * @param gpus its GPUs
	 * @param gpuMemoryMib the memory of each GPU in MiB
	 */
	public record Node(@NotBlank String name, @DefaultValue("1") int cores, @DefaultValue("0") long memoryMib,
			@DefaultValue("0") long swapMib, @DefaultValue("0") int gpus, @DefaultValue("0") long gpuMemoryMib) {
	}
}
