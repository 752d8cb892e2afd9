/**
 * The hub's pages: login, home, spawn, spawn-pending, errors.
 */
@NullMarked
package org.portico.gateway.web;

import org.jspecify.annotations.NullMarked;
