/**
 * The one-machine spawner: each server is a process of the gateway's host, in a session and process
 * group of its own so that it outlives a gateway restart and can be stopped with all its children.
 */
@NullMarked
package org.portico.spawner.local;

import org.jspecify.annotations.NullMarked;
