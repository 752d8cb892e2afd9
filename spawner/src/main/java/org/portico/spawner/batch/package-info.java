/**
 * Batch-scheduler spawning, scheduler-neutral: {@link org.portico.spawner.batch.BatchScheduler} adapters are
 * data (argument lists, parsers, templates) without I/O; {@link org.portico.spawner.batch.JobScriptRenderer}
 * renders FreeMarker job scripts in which every value is shell-quoted;
 * {@link org.portico.spawner.batch.SchedulerView} runs one query per interval for all jobs of a scheduler;
 * {@link org.portico.spawner.batch.ReadinessCallbacks} accepts the job's "I am listening on host:port" call;
 * {@link org.portico.spawner.batch.BatchSpawner} ties them into the {@link org.portico.spawner.Spawner} contract.
 */
@NullMarked
package org.portico.spawner.batch;

import org.jspecify.annotations.NullMarked;
