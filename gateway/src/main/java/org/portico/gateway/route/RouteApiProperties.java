package org.portico.gateway.route;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The route API, compatible with configurable-http-proxy's REST API ({@code portico.route-api.*}).
 *
 * @param enabled whether it listens at all (it does only when a token is set)
 * @param host the address it binds (loopback by default: never expose it)
 * @param port its port
 * @param token the token clients send as {@code Authorization: token ...}
 * ({@code CONFIGPROXY_AUTH_TOKEN}, as for CHP); empty disables the API
 * @param mode {@code portico}: routes added through the API follow Portico's auth and owner rules
 * and must lie under {@code /user/NAME/}; {@code passthrough}: the gateway proxies them like CHP,
 * leaving authentication to the servers (drop-in for JupyterHub)
 */
@Validated
@ConfigurationProperties("portico.route-api")
public record RouteApiProperties(@DefaultValue("true") boolean enabled, @NotBlank @DefaultValue("127.0.0.1") String host,
		@Min(0) @Max(65535) @DefaultValue("8001") int port, @Nullable String token, @DefaultValue("portico") Mode mode) {

	/** Who authenticates callers of routes added through the API. */
	public enum Mode {
		/** The gateway, with the owner check. */
		PORTICO,
		/** The servers themselves, as behind configurable-http-proxy. */
		PASSTHROUGH
	}

	public RouteApiProperties {
		token = (token == null || token.isEmpty()) ? null : token;
	}

	/** Whether the API should listen. */
	public boolean active() {
		return this.enabled && this.token != null;
	}
}
