/**
 * Who is asking: login sessions, API tokens, the admin token, password hashing, name rules, and the Spring Security setup for the hub's pages and API.
 */
@NullMarked
package org.portico.gateway.security;

import org.jspecify.annotations.NullMarked;
