/**
 * Servers as batch jobs: the gateway's wiring of the spawner module's Slurm, Grid Engine and PBS Pro adapters
 * ({@code portico.batch.*}), the site's profiles ({@code portico.profiles.*}) that bound what users may ask
 * for, and the endpoint on which a job reports that its server listens.
 */
@NullMarked
package org.portico.gateway.batch;

import org.jspecify.annotations.NullMarked;
