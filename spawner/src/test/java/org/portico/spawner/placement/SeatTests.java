package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** What a seat implies for the job: its environment, its Slurm arguments and its persisted form. */
class SeatTests {

	private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

	private static Seat slice(boolean mps) {
		// A GPU of 81920 MiB shared by 8: each slot is 10240 MiB.
		return Seat.of("alice/", "alice", "n3", 2, 1, 8, 10240, 2, 8192, Duration.ofHours(2), NOW, null, mps);
	}

	@Test
	void aSliceIsPinnedByDeviceAndThreadCounts() {
		assertThat(slice(false).environment(GpuBinding.ENVIRONMENT)).containsExactly(entry("OMP_NUM_THREADS", "2"),
				entry("MKL_NUM_THREADS", "2"), entry("OPENBLAS_NUM_THREADS", "2"), entry("CUDA_VISIBLE_DEVICES", "2"));
	}

	@Test
	void mpsLimitsFollowTheSlotsOfTheGpu() {
		Map<String, String> env = slice(true).environment(GpuBinding.ENVIRONMENT);
		assertThat(env).containsEntry("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "13")
			.containsEntry("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "0=10240M");
		Seat three = Seat.of("s", "u", "n1", 0, 3, 8, 10240, 1, 0, Duration.ofHours(1), NOW, null, true);
		assertThat(three.environment(GpuBinding.ENVIRONMENT)).containsEntry("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "38")
			.containsEntry("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "0=30720M");
	}

	@Test
	void aWholeGpuHasNoMpsLimits() {
		Seat whole = Seat.of("s", "u", "n1", 1, 8, 8, 10240, 4, 0, Duration.ofHours(1), NOW, null, true);
		assertThat(whole.wholeGpu()).isTrue();
		assertThat(whole.environment(GpuBinding.ENVIRONMENT)).containsEntry("CUDA_VISIBLE_DEVICES", "1")
			.doesNotContainKeys("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");
		assertThat(whole.slurmArguments(GpuBinding.SCHEDULER)).contains("--gres=gpu:1");
	}

	@Test
	void slurmBindsTheSliceWithShardsAndSetsTheDeviceItself() {
		Seat seat = slice(false);
		assertThat(seat.slurmArguments(GpuBinding.SCHEDULER)).containsExactly("--nodelist=n3", "--cpus-per-task=2",
				"--mem=8192M", "--time=2:00:00", "--oversubscribe", "--gres=shard:1");
		assertThat(seat.environment(GpuBinding.SCHEDULER)).doesNotContainKey("CUDA_VISIBLE_DEVICES")
			.containsEntry("OMP_NUM_THREADS", "2");
	}

	@Test
	void withEnvironmentBindingTheJobHasNoGres() {
		assertThat(slice(false).slurmArguments(GpuBinding.ENVIRONMENT)).containsExactly("--nodelist=n3",
				"--cpus-per-task=2", "--mem=8192M", "--time=2:00:00", "--oversubscribe");
	}

	@Test
	void aSessionWithoutGpuHasNoDevice() {
		Seat seat = Seat.of("s", "u", "n1", null, 0, 8, 10240, 2, 0, Duration.ofMinutes(90), NOW, null, true);
		assertThat(seat.environment(GpuBinding.ENVIRONMENT)).containsOnlyKeys("OMP_NUM_THREADS", "MKL_NUM_THREADS",
				"OPENBLAS_NUM_THREADS");
		assertThat(seat.slurmArguments(GpuBinding.SCHEDULER)).containsExactly("--nodelist=n1", "--cpus-per-task=2",
				"--time=1:30:00", "--oversubscribe");
	}

	@Test
	void slurmTimeFormats() {
		assertThat(Seat.slurmTime(Duration.ofHours(24))).isEqualTo("1-00:00:00");
		assertThat(Seat.slurmTime(Duration.ofMinutes(150))).isEqualTo("2:30:00");
		assertThat(Seat.slurmTime(Duration.ofSeconds(5))).isEqualTo("0:01:00");
	}

	@Test
	void theSeatSurvivesItsStateData() {
		Seat seat = Seat.of("alice/", "alice", "n3", 2, 1, 8, 10240, 2, 8192, Duration.ofHours(2), NOW, "cs101", false);
		ExistingSession back = ExistingSession.fromStateData("alice/", "alice", seat.toStateData());
		assertThat(back).isEqualTo(ExistingSession.of(seat));
		Seat cpu = Seat.of("bob/", "bob", "n1", null, 0, 0, 0, 4, 0, Duration.ofHours(3), NOW, null, false);
		assertThat(ExistingSession.fromStateData("bob/", "bob", cpu.toStateData())).isEqualTo(ExistingSession.of(cpu));
	}
}
