package org.portico.gateway.config;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Portico's own settings ({@code portico.*}).
 *
 * @param dataDir where the database and the servers' logs and working folders live
 * ({@code PORTICO_DATA_DIR})
 * @param admin the first admin account and the automation token
 * @param security cookie and access rules
 * @param spawn timeouts and polling of servers
 */
@Validated
@ConfigurationProperties("portico")
public record PorticoProperties(@NotNull @DefaultValue("data") Path dataDir, @Valid @DefaultValue Admin admin,
		@Valid @DefaultValue Security security, @Valid @DefaultValue Spawn spawn) {

	/**
	 * The admin account created on first start, and the automation token.
	 *
	 * @param name the admin's user name
	 * @param password the admin's password on first start ({@code PORTICO_ADMIN_PASSWORD}); when
	 * empty, a one-time password is generated and printed once
	 * @param token an API token with admin rights, for automation ({@code PORTICO_ADMIN_TOKEN});
	 * empty disables it. At least 16 characters.
	 */
	public record Admin(@NotBlank @DefaultValue("admin") String name, @Nullable String password, @Nullable String token) {

		public Admin {
			password = (password == null || password.isEmpty()) ? null : password;
			token = (token == null || token.isEmpty()) ? null : token;
			if (token != null && token.length() < 16) {
				throw new IllegalArgumentException("portico.admin.token (PORTICO_ADMIN_TOKEN) must have at least 16 characters");
			}
		}
	}

	/**
	 * Cookie and access rules.
	 *
	 * @param sessionMaxAge how long a login lasts
	 * @param adminAccessServers whether admins may open other users' servers (JupyterHub's
	 * {@code admin_access}); off by default
	 * @param trustForwardedHeaders whether {@code X-Forwarded-Proto/Host} from a reverse proxy in front
	 * of Portico are believed (for Secure cookies and Origin checks); only enable behind such a proxy
	 */
	public record Security(@NotNull @DefaultValue("14d") Duration sessionMaxAge, @DefaultValue("false") boolean adminAccessServers,
			@DefaultValue("false") boolean trustForwardedHeaders) {
	}

	/**
	 * Server start-up and polling.
	 *
	 * @param startTimeout from launch until the server's port accepts connections
	 * @param httpTimeout from then until the server answers HTTP
	 * @param pollInterval how often running servers are checked
	 * @param stopGrace how long a server has to exit after SIGTERM before it is killed
	 * @param spawner which spawner starts servers ({@code local}: processes of this machine)
	 * @param defaultHours the walltime of a server whose start names none; 0: no limit
	 * @param maxHours the longest walltime a start or an extension may reach
	 * @param namedServersLimit how many named servers ({@code /user/NAME/SERVER/}, beside the default one) a
	 * user may run at the same time; 0 turns named servers off
	 */
	public record Spawn(@NotBlank @DefaultValue("local") String spawner, @NotNull @DefaultValue("120s") Duration startTimeout,
			@NotNull @DefaultValue("60s") Duration httpTimeout, @NotNull @DefaultValue("30s") Duration pollInterval,
			@NotNull @DefaultValue("5s") Duration stopGrace, @DefaultValue("0") double defaultHours,
			@DefaultValue("24") double maxHours, @DefaultValue("3") int namedServersLimit,
			@DefaultValue("0") int concurrentLaunches) {

		public Spawn {
			if (namedServersLimit < 0) {
				throw new IllegalArgumentException("portico.spawn.named-servers-limit must be 0 or more");
			}
			if (concurrentLaunches < 0) {
				throw new IllegalArgumentException("portico.spawn.concurrent-launches must be 0 (chosen per spawner) or more");
			}
		}
	}

	/** The data folder as an absolute path. */
	public Path dataPath() {
		return this.dataDir.toAbsolutePath().normalize();
	}
}
