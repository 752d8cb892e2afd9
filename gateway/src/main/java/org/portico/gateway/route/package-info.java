/**
 * The route table: which path prefix goes to which server, for whom. Lookups are synchronous and cost O(path depth), independent of the number of routes.
 */
@NullMarked
package org.portico.gateway.route;

import org.jspecify.annotations.NullMarked;
