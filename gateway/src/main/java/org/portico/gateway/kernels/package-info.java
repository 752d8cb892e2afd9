/**
 * Kernels per environment in the browser and the REST API: the gateway runs kernel-tools' command
 * line for the user, with the user's home and module path, and reads its JSON.
 */
@NullMarked
package org.portico.gateway.kernels;

import org.jspecify.annotations.NullMarked;
