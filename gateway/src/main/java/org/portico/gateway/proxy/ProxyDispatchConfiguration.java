package org.portico.gateway.proxy;

import java.time.Duration;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.embedded.netty.NettyRouteProvider;
import org.springframework.boot.web.embedded.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpRequestDecoderSpec;
import reactor.netty.http.server.HttpServer;

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

	/** The longest a loop may poll before it sleeps: more would hold up its timers for as long. */
	static final Duration MAX_LOOP_SPIN = Duration.ofMillis(1);

	/**
	 * The event loops of the server and of the upstream clients (see {@link EventLoops}), polling up to
	 * {@code portico.proxy.loop-spin} (50 µs; 0 turns it off) before they sleep.
	 */
	@Bean(destroyMethod = "dispose")
	EventLoops eventLoops(org.springframework.core.env.Environment environment) {
		String value = environment.getProperty("portico.proxy.loop-spin", "50us");
		Duration spin;
		try {
			spin = org.springframework.boot.convert.DurationStyle.detectAndParse(value.trim());
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("portico.proxy.loop-spin must be a duration such as 50us or 0, not '" + value + "'", ex);
		}
		if (spin.isNegative() || spin.compareTo(MAX_LOOP_SPIN) > 0) {
			throw new IllegalStateException("portico.proxy.loop-spin must be between 0 and 1ms, not '" + value + "'");
		}
		return new EventLoops(reactor.netty.resources.LoopResources.DEFAULT_IO_WORKER_COUNT, spin);
	}

	/**
	 * Boot's web server runs on the loops of this factory (its own, which replaces Boot's, would use
	 * Reactor Netty's global loops), and so the upstream clients run on the same loops.
	 */
	@Bean
	org.springframework.http.client.ReactorResourceFactory reactorResourceFactory(EventLoops eventLoops,
			reactor.netty.resources.ConnectionProvider upstreamConnections) {
		org.springframework.http.client.ReactorResourceFactory factory = new org.springframework.http.client.ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		factory.setLoopResources(eventLoops); // given, so closed by its own bean, not by the factory
		factory.setConnectionProvider(upstreamConnections);
		return factory;
	}

	@Bean
	NettyRouteProvider userPathRoute(UserPathProxy proxy) {
		return (routes) -> routes.route((request) -> proxy.handles(request.uri()), proxy::handle);
	}

	/**
	 * The switch is read by a condition, which would take a mistyped value ({@code yes}) silently as
	 * {@code false}: a value that is not a boolean stops the start-up with the property's name instead.
	 */
	@Bean
	static DirectHttpSwitch directHttpSwitch(org.springframework.core.env.Environment environment) {
		String value = environment.getProperty("portico.proxy.direct-http");
		if (value != null && !value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
			throw new IllegalStateException("portico.proxy.direct-http must be true or false, not '" + value + "'");
		}
		return new DirectHttpSwitch();
	}

	/** Stands for the checked switch. */
	static final class DirectHttpSwitch {
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "portico.proxy.direct-http", havingValue = "true", matchIfMissing = true)
	UpstreamPool directUpstreamPool() {
		// per event loop and server; the Reactor path's pool (2,048 in all) takes the overflow
		return new UpstreamPool(1024, Duration.ofSeconds(20));
	}

	@Bean
	@ConditionalOnProperty(name = "portico.proxy.direct-http", havingValue = "true", matchIfMissing = true)
	DirectHttpInstaller directHttpProxy(UserPathProxy proxy, UpstreamPool directUpstreamPool) {
		return new DirectHttpInstaller(proxy, directUpstreamPool);
	}

	/** Keeps every HTTP/1.1 connection read after overlapping requests (see {@link KeepAliveReads}). */
	@Bean
	NettyServerCustomizer keepAliveReads() {
		return (server) -> server.doOnChannelInit((observer, channel, remote) -> {
			if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
				channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, KeepAliveReads.NAME, new KeepAliveReads());
			}
		});
	}

	@Bean
	BodyChunks bodyChunks() {
		return new BodyChunks();
	}

	/** Puts a {@link DirectHttpProxy} into every HTTP/1.1 connection's pipeline, right after the codec. */
	static final class DirectHttpInstaller implements NettyServerCustomizer {

		private final UserPathProxy proxy;

		private final UpstreamPool pool;

		DirectHttpInstaller(UserPathProxy proxy, UpstreamPool pool) {
			this.proxy = proxy;
			this.pool = pool;
		}

		@Override
		public HttpServer apply(HttpServer server) {
			return server.doOnChannelInit((observer, channel, remote) -> {
				if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
					channel.pipeline().addAfter(NettyPipeline.HttpCodec, DirectHttpProxy.NAME, new DirectHttpProxy(this.proxy, this.pool));
				}
			});
		}
	}

	/**
	 * Request bodies decoded in parts of up to 64 KiB, a socket read's worth, rather than Reactor
	 * Netty's 8 KiB: a proxied 1 MiB upload is 16 writes to the server instead of 128. Boot's own
	 * decoder settings ({@code server.max-http-request-header-size} and the like) are applied by a
	 * customizer of order 0, which sets the whole decoder; this one runs after it and keeps them.
	 */
	static final class BodyChunks implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

		static final int MAX_CHUNK = 64 * 1024;

		@Override
		public void customize(NettyReactiveWebServerFactory factory) {
			factory.addServerCustomizers((server) -> {
				HttpRequestDecoderSpec current = server.configuration().decoder();
				// @formatter:off
				return server.httpRequestDecoder((spec) -> spec
					.maxInitialLineLength(current.maxInitialLineLength())
					.maxHeaderSize(current.maxHeaderSize())
					.validateHeaders(current.validateHeaders())
					.initialBufferSize(current.initialBufferSize())
					.allowDuplicateContentLengths(current.allowDuplicateContentLengths())
					.h2cMaxContentLength(current.h2cMaxContentLength())
					.maxChunkSize(MAX_CHUNK));
				// @formatter:on
			});
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}
	}
}
