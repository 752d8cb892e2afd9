package org.portico.gateway.security;

import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.server.context.ServerSecurityContextRepository;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Loads the security context of each hub request from its credentials (token header or login
 * cookie); nothing is kept in a server-side web session, so logins survive a restart.
 */
final class PorticoSecurityContextRepository implements ServerSecurityContextRepository {

	private final Authenticator authenticator;

	PorticoSecurityContextRepository(Authenticator authenticator) {
		this.authenticator = authenticator;
	}

	@Override
	public Mono<Void> save(ServerWebExchange exchange, SecurityContext context) {
		return Mono.empty(); // logins are created explicitly by the login page
	}

	@Override
	public Mono<SecurityContext> load(ServerWebExchange exchange) {
		HttpCookie cookie = exchange.getRequest().getCookies().getFirst(Authenticator.SESSION_COOKIE);
		return this.authenticator
			.authenticate(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION), null,
					(cookie != null) ? cookie.getValue() : null)
			.map((principal) -> new SecurityContextImpl(new PorticoAuthentication(principal)));
	}
}
