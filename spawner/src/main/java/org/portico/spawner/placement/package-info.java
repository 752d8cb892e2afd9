/**
 * Placement of interactive sessions on a shared, oversubscribed pool of nodes: which node, which GPU
 * (or GPU slice) and how many cores each session gets, so that it starts at once or is refused at once
 * with a reason a student can read.
 *
 * <p>{@link org.portico.spawner.placement.PlacementEngine} keeps the seats; values such as
 * {@link org.portico.spawner.placement.PoolConfig}, {@link org.portico.spawner.placement.SessionRequest}
 * and {@link org.portico.spawner.placement.Seat} are immutable records. The parsers
 * ({@link org.portico.spawner.placement.SlurmNodeParser}, {@link org.portico.spawner.placement.PbsNodeParser},
 * {@link org.portico.spawner.placement.SgeNodeParser}) turn a scheduler's node listing into
 * {@link org.portico.spawner.placement.NodeCapacity} values; they never run a command themselves.
 */
@NullMarked
package org.portico.spawner.placement;

import org.jspecify.annotations.NullMarked;
