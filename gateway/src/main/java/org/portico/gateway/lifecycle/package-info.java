/**
 * Server lifecycle orchestration: spawn, wait until the server answers HTTP, add its route, poll it, stop it, and re-attach to running servers after a restart.
 */
@NullMarked
package org.portico.gateway.lifecycle;

import org.jspecify.annotations.NullMarked;
