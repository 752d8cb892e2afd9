/**
 * The data path: {@code /user/NAME/...} is authenticated, checked against the route's owner and streamed to the server with Reactor Netty, HTTP and WebSocket alike, before the WebFlux handler chain.
 */
@NullMarked
package org.portico.gateway.proxy;

import org.jspecify.annotations.NullMarked;
