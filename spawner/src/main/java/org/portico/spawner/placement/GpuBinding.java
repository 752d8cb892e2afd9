package org.portico.spawner.placement;

/** Who binds a seat's GPU share to the job. */
public enum GpuBinding {

	/**
	 * The scheduler: Slurm gets {@code --gres=shard:N} (a slice, when its shards per GPU equal the pool's
	 * slots per GPU) or {@code --gres=gpu:1} (a whole GPU), picks the device and sets
	 * {@code CUDA_VISIBLE_DEVICES} itself, so the seat's environment leaves that variable out.
	 */
	SCHEDULER,

	/**
	 * The environment: the job runs with {@code --oversubscribe} and no GPU GRES, and the seat's
	 * {@code CUDA_VISIBLE_DEVICES} pins the device (also for the local spawner's virtual nodes).
	 */
	ENVIRONMENT
}
