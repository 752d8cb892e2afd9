/**
 * JupyterHub's REST API under {@code /hub/api}, with its JSON field names.
 */
@NullMarked
package org.portico.gateway.api;

import org.jspecify.annotations.NullMarked;
