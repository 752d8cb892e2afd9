package org.portico.gateway.proxy;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Sends {@code /user/...} straight to the {@link UserPathProxy} on Reactor Netty's own request and
 * response, ahead of the WebFlux handler chain (filters, security, dispatch), which serves only the
 * hub. The proxy authenticates by itself with the same authenticator as the hub.
 */
@Configuration(proxyBeanMethods = false)
public class ProxyDispatchConfiguration {

	@Bean
	HttpHandlerDecoratorFactory userPathDispatch(UserPathProxy proxy) {
		return (hub) -> dispatch(hub, proxy);
	}

	private static HttpHandler dispatch(HttpHandler hub, UserPathProxy proxy) {
		return (request, response) -> {
			if (request instanceof AbstractServerHttpRequest nativeRequest && response instanceof AbstractServerHttpResponse nativeResponse
					&& nativeRequest.getNativeRequest() instanceof HttpServerRequest netty && proxy.handles(netty.uri())) {
				return proxy.handle(netty, nativeResponse.getNativeResponse());
			}
			return hub.handle(request, response);
		};
	}
}
