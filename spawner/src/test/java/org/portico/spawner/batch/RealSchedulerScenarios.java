package org.portico.spawner.batch;

/** Entry point for the real-scheduler tests in the adapter packages. */
public final class RealSchedulerScenarios {

	private RealSchedulerScenarios() {
	}

	/** Runs {@link RealSchedulerScenario} against {@code scheduler}. */
	public static void run(BatchScheduler scheduler, BatchOptions options) throws Exception {
		try (RealSchedulerScenario scenario = new RealSchedulerScenario(scheduler, options)) {
			scenario.run();
		}
	}

	/** Submits {@code count} sessions and counts the status queries while they are polled. */
	public static void runMany(BatchScheduler scheduler, BatchOptions options, int count) throws Exception {
		try (RealSchedulerScenario scenario = new RealSchedulerScenario(scheduler, options)) {
			scenario.runMany(count);
		}
	}
}
