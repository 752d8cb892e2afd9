/**
 * The Slurm adapter: {@code sbatch --parsable --export=NONE} with the script on standard input, one
 * {@code squeue -h -t all -O ...} for all jobs, {@code scancel}, and {@code sacct} for finished jobs where
 * accounting is enabled.
 */
@NullMarked
package org.portico.spawner.slurm;

import org.jspecify.annotations.NullMarked;
