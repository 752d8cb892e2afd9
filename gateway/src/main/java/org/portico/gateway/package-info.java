/**
 * The gateway application: the only Spring Boot application of Portico.
 */
@NullMarked
package org.portico.gateway;

import org.jspecify.annotations.NullMarked;
