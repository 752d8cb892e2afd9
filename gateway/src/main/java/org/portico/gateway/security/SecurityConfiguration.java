package org.portico.gateway.security;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.security.web.server.csrf.CookieServerCsrfTokenRepository;
import org.springframework.security.web.server.csrf.ServerCsrfTokenRequestAttributeHandler;
import org.springframework.security.web.server.header.ReferrerPolicyServerHttpHeadersWriter;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * Spring Security for the hub ({@code /hub/...}); {@code /user/...} never reaches this chain, the
 * proxy authenticates it itself with the same {@link Authenticator}.
 *
 * <p>CSRF: browser forms carry the token of a double-submit cookie ({@code portico-xsrf}, path
 * {@code /hub}); requests that authenticate with an {@code Authorization} header need none, as
 * with JupyterHub's token API.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class SecurityConfiguration {

	/** The CSRF cookie's name; the header is {@code X-XSRF-TOKEN}, the form field {@code _csrf}. */
	public static final String CSRF_COOKIE = "portico-xsrf";

	private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE);

	@Bean
	SecurityWebFilterChain hubSecurity(ServerHttpSecurity http, Authenticator authenticator) {
		CookieServerCsrfTokenRepository csrfTokens = CookieServerCsrfTokenRepository.withHttpOnlyFalse();
		csrfTokens.setCookieName(CSRF_COOKIE);
		csrfTokens.setCookiePath("/hub");
		csrfTokens.setCookieCustomizer((cookie) -> cookie.sameSite("Strict"));
		// @formatter:off
		http.securityContextRepository(new PorticoSecurityContextRepository(authenticator))
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
			.csrf((csrf) -> csrf.csrfTokenRepository(csrfTokens)
				.csrfTokenRequestHandler(new ServerCsrfTokenRequestAttributeHandler())
				.requireCsrfProtectionMatcher(needsCsrf()))
			.headers((headers) -> headers
				.referrerPolicy((referrer) -> referrer.policy(ReferrerPolicyServerHttpHeadersWriter.ReferrerPolicy.SAME_ORIGIN))
				.contentSecurityPolicy((csp) -> csp.policyDirectives(
						"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")))
			.authorizeExchange((exchanges) -> exchanges
				.pathMatchers("/hub/login", "/hub/logout", "/hub/static/**", "/favicon.ico", "/", "/hub", "/hub/").permitAll()
				.pathMatchers(HttpMethod.GET, "/hub/api", "/hub/api/").permitAll()
				// batch jobs report their server here with a per-spawn key and bearer secret, not as a user
				.pathMatchers(HttpMethod.POST, "/hub/api/batch/callback/*").permitAll()
				.anyExchange().authenticated())
			.exceptionHandling((handling) -> handling
				.authenticationEntryPoint(entryPoint())
				.accessDeniedHandler(accessDenied()));
		// @formatter:on
		return http.build();
	}

	/** Unsafe methods from the browser: a request with an {@code Authorization} header is no browser form. */
	private static ServerWebExchangeMatcher needsCsrf() {
		return (exchange) -> {
			boolean unsafe = !SAFE.contains(exchange.getRequest().getMethod());
			boolean tokenAuth = exchange.getRequest().getHeaders().containsKey(HttpHeaders.AUTHORIZATION);
			boolean jobCallback = exchange.getRequest().getPath().value().startsWith("/hub/api/batch/callback/");
			return (unsafe && !tokenAuth && !jobCallback) ? ServerWebExchangeMatcher.MatchResult.match()
					: ServerWebExchangeMatcher.MatchResult.notMatch();
		};
	}

	/** The API answers 403 with JSON, as JupyterHub does; pages send the browser to the login page. */
	private static ServerAuthenticationEntryPoint entryPoint() {
		return (exchange, ex) -> {
			if (isApi(exchange)) {
				return json(exchange.getResponse(), HttpStatus.FORBIDDEN, "Authentication is required.");
			}
			String path = exchange.getRequest().getURI().getRawPath();
			String query = exchange.getRequest().getURI().getRawQuery();
			String next = (query != null) ? path + "?" + query : path;
			URI login = UriComponentsBuilder.fromPath("/hub/login").queryParam("next", "{next}").encode().buildAndExpand(next).toUri();
			exchange.getResponse().setStatusCode(HttpStatus.FOUND);
			exchange.getResponse().getHeaders().setLocation(login);
			return Mono.empty();
		};
	}

	private static ServerAccessDeniedHandler accessDenied() {
		return (exchange, ex) -> {
			if (isApi(exchange)) {
				return json(exchange.getResponse(), HttpStatus.FORBIDDEN,
						"Forbidden: the request lacks a valid XSRF token (header X-XSRF-TOKEN from the portico-xsrf cookie) or the rights to do this.");
			}
			return html(exchange.getResponse(), HttpStatus.FORBIDDEN,
					"The form was stale or did not come from this site. Go back, reload the page and try again.");
		};
	}

	static Mono<Void> html(ServerHttpResponse response, HttpStatus status, String message) {
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.TEXT_HTML);
		String body = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + status.value()
				+ " - Portico</title><link rel=\"stylesheet\" href=\"/hub/static/portico.css\"></head><body><main><section class=\"card narrow\"><h1>"
				+ status.value() + " " + status.getReasonPhrase() + "</h1><p>" + message
				+ "</p><p><a href=\"/hub/home\">Back to your home page</a></p></section></main></body></html>";
		DataBuffer buffer = response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8));
		return response.writeWith(Mono.just(buffer));
	}

	static boolean isApi(ServerWebExchange exchange) {
		return exchange.getRequest().getPath().value().startsWith("/hub/api");
	}

	static Mono<Void> json(ServerHttpResponse response, HttpStatus status, String message) {
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		String body = "{\"status\":" + status.value() + ",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
		DataBuffer buffer = response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8));
		return response.writeWith(Mono.just(buffer));
	}
}
