/**
 * The Spawner SPI: how Portico starts, watches and stops one user's server, whatever runs it
 * (a local process, a Slurm, PBS Pro or Grid Engine job). Values are records; implementations are
 * stateless and thread-safe, and persist nothing themselves: what they need to find a server again
 * after a gateway restart is returned as {@link org.portico.spawner.SpawnState}.
 */
@NullMarked
package org.portico.spawner;

import org.jspecify.annotations.NullMarked;
