package org.portico.spawner.sge;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.portico.spawner.batch.BatchOptions;
import org.portico.spawner.batch.RealClusters;
import org.portico.spawner.batch.RealSchedulerScenarios;

/** Against the real one-host Grid Engine cell on loopback (shared/schedulers/sge-up.sh). */
@Tag("sge")
class SgeRealTests {

	@BeforeAll
	static void cell() {
		RealClusters.up("sge-up.sh");
	}

	@Test
	@Timeout(180)
	void spawnsThreeServersAsAliceWithOneQueryPerIntervalAndCancelsThem() throws Exception {
		// immediate: Grid Engine's own "-now y" (the queue has room)
		RealSchedulerScenarios.run(new SgeScheduler(SgeScheduler.Settings.debian()),
				new BatchOptions(null, null, 1, 0, 0, null, Duration.ofMinutes(10), true, null));
	}
}
