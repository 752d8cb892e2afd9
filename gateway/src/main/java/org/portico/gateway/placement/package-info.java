/**
 * The wiring of the shared-GPU placement engine ({@code org.portico.spawner.placement}) into starts: pools
 * from configuration or the scheduler ({@link org.portico.gateway.placement.PlacementProperties}), a seat asked
 * for before any job is submitted and given back when the server ends
 * ({@link org.portico.gateway.placement.PlacementService}), persisted reservations, and the admin API.
 */
@NullMarked
package org.portico.gateway.placement;

import org.jspecify.annotations.NullMarked;
