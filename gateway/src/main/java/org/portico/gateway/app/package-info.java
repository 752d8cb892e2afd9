/**
 * Apps a user can start (Jupyter first): what command runs, with which environment, and how the gateway authenticates to it.
 */
@NullMarked
package org.portico.gateway.app;

import org.jspecify.annotations.NullMarked;
