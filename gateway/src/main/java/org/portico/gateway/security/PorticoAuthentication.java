package org.portico.gateway.security;

import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** A Spring Security authentication that carries a {@link PorticoPrincipal}. */
final class PorticoAuthentication extends AbstractAuthenticationToken {

	private final PorticoPrincipal principal;

	PorticoAuthentication(PorticoPrincipal principal) {
		super(principal.admin() ? List.of(new SimpleGrantedAuthority("ROLE_USER"), new SimpleGrantedAuthority("ROLE_ADMIN"))
				: List.of(new SimpleGrantedAuthority("ROLE_USER")));
		this.principal = principal;
		setAuthenticated(true);
	}

	@Override
	public Object getCredentials() {
		return "";
	}

	@Override
	public PorticoPrincipal getPrincipal() {
		return this.principal;
	}
}
