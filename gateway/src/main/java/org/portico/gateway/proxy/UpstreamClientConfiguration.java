package org.portico.gateway.proxy;

import java.time.Duration;

import io.netty.channel.ChannelOption;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The one upstream HTTP client of the gateway and its named connection pool.
 *
 * <p>Idle connections are dropped after 20 s, below the 60 s or more that the servers behind the
 * proxy keep them (Tornado keeps them until closed), so the gateway never writes to a connection
 * the server is closing; the pool is bounded so a burst cannot exhaust ephemeral ports.
 */
@Configuration(proxyBeanMethods = false)
public class UpstreamClientConfiguration {

	@Bean(destroyMethod = "dispose")
	ConnectionProvider upstreamConnections() {
		// @formatter:off
		return ConnectionProvider.builder("portico-upstream")
			.maxConnections(2048)
			.pendingAcquireMaxCount(8192)
			.pendingAcquireTimeout(Duration.ofSeconds(30))
			.maxIdleTime(Duration.ofSeconds(20))
			.evictInBackground(Duration.ofSeconds(30))
			.build();
		// @formatter:on
	}

	/**
	 * WebSockets upstream get connections of their own, outside the pool: each lives as long as
	 * its socket and is never reused, so pooling would only cap the number of open sockets (the
	 * pool's 2,048) and queue the rest.
	 */
	@Bean
	@org.springframework.beans.factory.annotation.Qualifier("webSocketUpstreamClient")
	HttpClient webSocketUpstreamClient(EventLoops eventLoops) {
		return HttpClient.newConnection()
			.runOn(eventLoops)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
			.compress(false)
			.followRedirect(false);
	}

	@Bean
	@org.springframework.context.annotation.Primary
	HttpClient upstreamClient(ConnectionProvider upstreamConnections, EventLoops eventLoops) {
		return HttpClient.create(upstreamConnections)
			.runOn(eventLoops)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
			.compress(false)
			.followRedirect(false)
			.keepAlive(true);
	}
}
