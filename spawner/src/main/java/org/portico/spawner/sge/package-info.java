/**
 * The (Son of) Grid Engine adapter: {@code qsub -terse} with the script on standard input (and
 * {@code -now y} for "start now or give up"), one {@code qstat -xml -r -u '*'} for all jobs, {@code qdel},
 * and {@code qacct -j} for finished jobs.
 */
@NullMarked
package org.portico.spawner.sge;

import org.jspecify.annotations.NullMarked;
