/**
 * Groups of users (JupyterHub's groups) and the cache of each user's groups that the start path reads:
 * class reservations of a placement pool are for a group.
 */
@NullMarked
package org.portico.gateway.group;

import org.jspecify.annotations.NullMarked;
