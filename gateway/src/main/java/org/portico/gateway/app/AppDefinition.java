package org.portico.gateway.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.route.StaticFiles;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One app a user can start: what runs and how the gateway talks to it.
 *
 * <p>{@code command} is an argument list. These tokens are replaced in its arguments:
 * {@code {port}} (chosen by the spawner), {@code {host}} (the address to bind),
 * {@code {base_url}} ({@code /user/NAME/}, with its slashes), {@code {work_dir}}, {@code {user}} and
 * {@code {runtime_dir}} (where Portico's own helper files for apps are); the same tokens are
 * replaced in the values of {@code environment}.
 *
 * @param displayName the name shown on the launch page
 * @param description one line shown under it
 * @param command the server's argument list
 * @param rootArgs arguments added when the server runs as root (Jupyter refuses root without {@code --allow-root})
 * @param environment extra environment variables of the server
 * @param secretEnv the environment variable that receives the server's secret, which the gateway
 * then sends as {@code Authorization: token SECRET}
 * @param readyPath the path under {@code base_url} that answers once the server is up
 * @param kernelArg the argument that makes a chosen kernel the default ({@code {kernel}} is replaced
 * by a validated kernel name), or empty when the app has no kernels to choose
 * @param activityProbe how the culler asks the server whether it computes: {@code jupyter}
 * (its kernels and terminals API), or empty for none
 * @param icon a short symbol or emoji shown beside the name on the launch page, or empty
 * @param prefix {@code keep}: the server is told its base URL and gets paths as the browser sent them
 * (Jupyter); {@code strip}: the server is served from its root and gets paths without
 * {@code /user/NAME/...} (code-server, websockify), and its root-absolute redirects are put back
 * under the prefix
 * @param auth how the gateway authenticates to the server: {@code token} sends
 * {@code Authorization: token SECRET} ({@code secretEnv} tells the server the secret); {@code none}
 * sends nothing, for servers that check nothing, where the gateway's owner check is the only guard
 * @param serverName the name the launch page proposes when the app runs beside the default server
 * ({@code desktop}: {@code /user/NAME/desktop/}); empty: the app's own name, when that is a valid
 * server name
 * @param staticDir a folder on the gateway's host whose files the gateway serves itself under the app's
 * prefix, after the same login and owner check as proxied requests (the desktop's noVNC:
 * {@code /usr/share/novnc}); none when empty
 * @param staticPaths which paths under the prefix {@code staticDir} answers: {@code dir/} for a folder and
 * everything beneath, else one file ({@code vnc.html}); every other path still reaches the server
 */
public record AppDefinition(@NotBlank String displayName, @DefaultValue("") String description, @NotEmpty List<String> command,
		@DefaultValue List<String> rootArgs, @DefaultValue Map<String, String> environment, @Nullable String secretEnv,
		@DefaultValue("") String readyPath, @DefaultValue("") String activityProbe, @DefaultValue("") String kernelArg,
		@DefaultValue("") String icon, @DefaultValue("keep") String prefix, @DefaultValue("token") String auth,
		@DefaultValue("") String serverName, @DefaultValue("") String staticDir, @DefaultValue List<String> staticPaths) {

	public AppDefinition {
		if (displayName == null || displayName.isBlank()) {
			throw new IllegalArgumentException("an app needs a display-name");
		}
		if (command == null || command.isEmpty()) {
			throw new IllegalArgumentException("an app needs a command (an argument list)");
		}
		command = List.copyOf(command);
		rootArgs = (rootArgs == null) ? List.of() : List.copyOf(rootArgs);
		environment = (environment == null) ? Map.of() : Map.copyOf(environment);
		description = (description == null) ? "" : description;
		readyPath = (readyPath == null) ? "" : readyPath;
		activityProbe = (activityProbe == null) ? "" : activityProbe;
		kernelArg = (kernelArg == null) ? "" : kernelArg;
		icon = (icon == null) ? "" : icon;
		prefix = (prefix == null) ? "keep" : prefix;
		auth = (auth == null) ? "token" : auth;
		serverName = (serverName == null) ? "" : serverName;
		staticDir = (staticDir == null) ? "" : staticDir;
		staticPaths = (staticPaths == null) ? List.of() : List.copyOf(staticPaths);
		if (!staticDir.isEmpty()) {
			new StaticFiles(Path.of(staticDir), staticPaths); // checks both
		}
		else if (!staticPaths.isEmpty()) {
			throw new IllegalArgumentException("an app's static-paths need a static-dir to serve them from");
		}
		if (!serverName.isEmpty() && (!org.portico.gateway.security.Names.isValidServer(serverName)
				|| org.portico.gateway.security.Names.isReservedServer(serverName))) {
			throw new IllegalArgumentException("an app's server-name '" + serverName + "' is no valid server name: "
					+ org.portico.gateway.security.Names.serverRule() + " Reserved: api, lab, tree, files and the like.");
		}
		if (!prefix.equals("keep") && !prefix.equals("strip")) {
			throw new IllegalArgumentException("an app's prefix is keep or strip, not '" + prefix + "'");
		}
		if (!auth.equals("token") && !auth.equals("none")) {
			throw new IllegalArgumentException("an app's auth is token or none, not '" + auth + "'");
		}
		if (!activityProbe.isEmpty() && !activityProbe.equals("jupyter")) {
			throw new IllegalArgumentException("an app's activity-probe is jupyter or empty, not '" + activityProbe + "'");
		}
		if (icon.length() > 8) {
			throw new IllegalArgumentException("an app's icon is a symbol of at most 8 characters");
		}
	}

	/**
	 * The name this app's server gets beside the default one when the user gives none: {@code serverName},
	 * else {@code appName} when that is a valid, unreserved server name, else {@code ""} (the user must name it).
	 */
	public String serverNameFor(String appName) {
		if (!this.serverName.isEmpty()) {
			return this.serverName;
		}
		return (org.portico.gateway.security.Names.isValidServer(appName) && !org.portico.gateway.security.Names.isReservedServer(appName))
				? appName : "";
	}

	/** The files the gateway serves itself under the app's prefix, or {@code null} when it has none. */
	public @Nullable StaticFiles staticFiles() {
		return this.staticDir.isEmpty() ? null : new StaticFiles(Path.of(this.staticDir), this.staticPaths);
	}

	/** Whether the proxy removes {@code /user/NAME/...} before forwarding. */
	public boolean stripsPrefix() {
		return this.prefix.equals("strip");
	}

	/** The {@code Authorization} header the gateway sends the server, or {@code null} for none. */
	public @Nullable String authorization(String secret) {
		return this.auth.equals("token") ? "token " + secret : null;
	}
}
