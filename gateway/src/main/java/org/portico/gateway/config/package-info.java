/**
 * Configuration properties and the wiring of the database, spawners and security.
 */
@NullMarked
package org.portico.gateway.config;

import org.jspecify.annotations.NullMarked;
