package org.portico.gateway.proxy;

import org.springframework.boot.web.embedded.netty.NettyRouteProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sends {@code /user/...} straight to the {@link UserPathProxy} as a route of Reactor Netty's own
 * server, ahead of Spring's adapter: such a request never becomes a WebFlux exchange (no request and
 * response adapters, no URI parsing, no filters, security or dispatch), which serve only the hub.
 * The proxy authenticates by itself with the same authenticator as the hub.
 */
@Configuration(proxyBeanMethods = false)
public class ProxyDispatchConfiguration {

	@Bean
	NettyRouteProvider userPathRoute(UserPathProxy proxy) {
		return (routes) -> routes.route((request) -> proxy.handles(request.uri()), proxy::handle);
	}
}
