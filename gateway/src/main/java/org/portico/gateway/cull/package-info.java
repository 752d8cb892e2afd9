/**
 * Idle culling that never kills a running computation: activity from the gateway's own data path
 * (human actions only), the servers' own kernel state, walltime and maximum age, pins, dry runs,
 * and a recorded reason for every cull.
 */
@NullMarked
package org.portico.gateway.cull;

import org.jspecify.annotations.NullMarked;
