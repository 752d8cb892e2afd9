/**
 * The embedded database's tables (users, API tokens, login sessions, servers, events) behind small reactive stores; the database, not memory, is the truth about servers, so a restart loses nothing.
 */
@NullMarked
package org.portico.gateway.store;

import org.jspecify.annotations.NullMarked;
