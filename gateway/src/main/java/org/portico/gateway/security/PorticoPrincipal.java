package org.portico.gateway.security;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Who is asking.
 *
 * @param name the user's name, or the service's for the admin token
 * @param admin whether they have admin rights
 * @param via how they authenticated
 * @param tokenId the API token's id, when {@code via} is {@link Via#TOKEN}
 */
public record PorticoPrincipal(String name, boolean admin, Via via, @Nullable String tokenId) {

	/** The name of the service principal behind {@code PORTICO_ADMIN_TOKEN}. */
	public static final String ADMIN_SERVICE = "portico-admin-token";

	/** How a request authenticated. */
	public enum Via {
		/** A browser login cookie. */
		SESSION,
		/** A user's API token. */
		TOKEN,
		/** The configured admin token. */
		ADMIN_TOKEN
	}

	public PorticoPrincipal {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(via, "via");
	}

	/** Whether this is a person (or their token) rather than the admin service. */
	public boolean isUser() {
		return this.via != Via.ADMIN_TOKEN;
	}

	/** Whether this principal may act on {@code user}'s account and servers through the hub API. */
	public boolean mayManage(String user) {
		return this.admin || this.name.equals(user);
	}
}
