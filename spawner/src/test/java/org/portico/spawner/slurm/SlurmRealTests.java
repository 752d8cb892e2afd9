package org.portico.spawner.slurm;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.portico.spawner.batch.BatchOptions;
import org.portico.spawner.batch.RealClusters;
import org.portico.spawner.batch.RealSchedulerScenarios;

/** Against the real one-node Slurm cluster on loopback (shared/schedulers/slurm-up.sh). */
@Tag("slurm")
class SlurmRealTests {

	@BeforeAll
	static void cluster() {
		RealClusters.up("slurm-up.sh");
	}

	@Test
	@Timeout(180)
	void spawnsThreeServersAsAliceWithOneQueryPerIntervalAndCancelsThem() throws Exception {
		RealSchedulerScenarios.run(SlurmScheduler.defaults(),
				new BatchOptions("interactive", null, 1, 0, 0, null, Duration.ofMinutes(10), false, null));
	}

	@Test
	@Timeout(240)
	void fiftySessionsCostOneStatusQueryPerIntervalNotFifty() throws Exception {
		// the batch partition does not oversubscribe: 16 run, the others queue, all are watched
		RealSchedulerScenarios.runMany(SlurmScheduler.defaults(),
				new BatchOptions("batch", null, 1, 0, 0, null, Duration.ofMinutes(10), false, null), 50);
	}
}
