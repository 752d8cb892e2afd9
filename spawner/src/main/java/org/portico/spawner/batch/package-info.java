/**
 * Batch-scheduler spawning, scheduler-neutral: {@link org.portico.spawner.batch.BatchScheduler} adapters are
 * data (argument lists, parsers, templates) without I/O; {@link org.portico.spawner.batch.JobScriptRenderer}
 * renders FreeMarker job scripts in which every value is shell-quoted;
 * {@link org.portico.spawner.batch.SchedulerView} runs one query per interval for all jobs of a scheduler;
 * {@link org.portico.spawner.batch.ReadinessCallbacks} accepts the job's "I am listening on host:port" call;
 * {@link org.portico.spawner.batch.BatchSpawner} ties them into the {@link org.portico.spawner.Spawner} contract.
 *
 * <h2>Wiring (the gateway's part)</h2>
 * <ol>
 * <li>One {@link org.portico.spawner.exec.LocalCommandRunner} and one
 * {@link org.portico.spawner.batch.ReadinessCallbacks} (host allow-list regex, e.g. {@code node[0-9]+}) for the
 * application.</li>
 * <li>Per configured scheduler: its adapter, one {@link org.portico.spawner.batch.SchedulerView} (its
 * {@code jobNamePrefix} the same as the spawner's), {@code start()}ed when the application starts and
 * {@code close()}d at shutdown, and one {@link org.portico.spawner.batch.BatchSpawner} with the user prefix
 * ({@code sudo -n -u {user} --} or {@code runuser -u {user} --}), an {@code OptionsResolver} (usually
 * {@link org.portico.spawner.batch.BatchOptions#fromForm} on the user's spawn form against the site's limits)
 * and {@link org.portico.spawner.batch.BatchSpawnerSettings} whose {@code callbackBase} is the public URL of
 * the endpoint below.</li>
 * <li>An HTTP endpoint {@code POST {callbackBase}/{key}} that reads the bearer secret and the JSON body
 * {@code {"host": ..., "port": ...}} and calls {@code ReadinessCallbacks.accept(key, secret, host, port)};
 * answer 200 ACCEPTED, 503 RETRY_LATER, 404 UNKNOWN_KEY, 403 FORBIDDEN or HOST_NOT_ALLOWED, 400 INVALID. It
 * must not require a user session (the job calls it) and must not log the Authorization header.</li>
 * <li>Persist {@code SpawnHandle.state()} at once; after a restart call {@code resume}. A server that had
 * already reported before the restart will not report again: store its endpoint into the state's data as
 * {@link org.portico.spawner.batch.BatchSpawner#HOST} and {@link org.portico.spawner.batch.BatchSpawner#PORT}.</li>
 * </ol>
 */
@NullMarked
package org.portico.spawner.batch;

import org.jspecify.annotations.NullMarked;
