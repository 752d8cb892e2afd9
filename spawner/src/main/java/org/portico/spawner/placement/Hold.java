package org.portico.spawner.placement;

/**
 * A seat held on a node for a reservation.
 *
 * @param reservationId the reservation
 * @param id unique among holds, so that one hold can be taken out of a node's list
 * @param allocation what it holds
 */
record Hold(String reservationId, long id, Allocation allocation) {
}
