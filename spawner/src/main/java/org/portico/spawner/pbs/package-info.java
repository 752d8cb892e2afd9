/**
 * The PBS Pro (OpenPBS) adapter: {@code qsub} with the script on standard input, one
 * {@code qstat -f -F json} for all jobs, {@code qdel}, and {@code qstat -x -f -F json ID} for finished jobs.
 * PBS Pro is not packaged for Debian: the parser is tested against published real output (see the test
 * resources' README).
 */
@NullMarked
package org.portico.spawner.pbs;

import org.jspecify.annotations.NullMarked;
