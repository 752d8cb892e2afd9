package org.portico.gateway.proxy;

import java.time.Duration;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.embedded.netty.NettyRouteProvider;
import org.springframework.boot.web.embedded.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.NettyPipeline;

/**
 * Sends {@code /user/...} straight to the {@link UserPathProxy} as a route of Reactor Netty's own
 * server, ahead of Spring's adapter: such a request never becomes a WebFlux exchange (no request and
 * response adapters, no URI parsing, no filters, security or dispatch), which serve only the hub.
 * The proxy authenticates by itself with the same authenticator as the hub.
 *
 * <p>Plain HTTP to a running server goes one step further down, unless
 * {@code portico.proxy.direct-http} is {@code false}: the {@link DirectHttpProxy} in each HTTP/1.1
 * connection's pipeline streams it between Netty channels, and passes everything else on to the route.
 */
@Configuration(proxyBeanMethods = false)
public class ProxyDispatchConfiguration {

	@Bean
	NettyRouteProvider userPathRoute(UserPathProxy proxy) {
		return (routes) -> routes.route((request) -> proxy.handles(request.uri()), proxy::handle);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "portico.proxy.direct-http", havingValue = "true", matchIfMissing = true)
	UpstreamPool directUpstreamPool() {
		// per event loop and server; the Reactor path's pool (2,048 in all) takes the overflow
		return new UpstreamPool(1024, Duration.ofSeconds(20));
	}

	@Bean
	@ConditionalOnProperty(name = "portico.proxy.direct-http", havingValue = "true", matchIfMissing = true)
	NettyServerCustomizer directHttpProxy(UserPathProxy proxy, UpstreamPool directUpstreamPool) {
		return (server) -> server.doOnChannelInit((observer, channel, remote) -> {
			if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
				channel.pipeline().addAfter(NettyPipeline.HttpCodec, DirectHttpProxy.NAME, new DirectHttpProxy(proxy, directUpstreamPool));
			}
		});
	}
}
