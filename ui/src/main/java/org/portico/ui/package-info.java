/**
 * Portico's pages: FreeMarker templates under {@code templates/}, styles and scripts under
 * {@code static/hub/static/}. The gateway's page handlers render them; this module holds no Spring
 * configuration, so a site can replace it with its own look.
 */
@NullMarked
package org.portico.ui;

import org.jspecify.annotations.NullMarked;
