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
	 * @param source where its nodes come from: {@code config} ({@code nodes}) or {@code slurm}
	 * ({@code scontrol show node -o} at start-up, the usable nodes of {@code partition})
	 * @param partition the Slurm partition whose nodes form the pool ({@code null}: all nodes)
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
	 * {@code environment} ({@code CUDA_VISIBLE_DEVICES} set by Portico; the local spawner's virtual nodes)
	 * @param mpsLimits whether GPU slices carry CUDA MPS thread and memory limits
	 * @param reservationLead how long before a reservation's start its seats are held
	 */
	public record Pool(@DefaultValue("config") String source, @Nullable String partition, @DefaultValue List<@Valid Node> nodes,
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
