package org.portico.gateway.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.route.UpstreamCookie;
import org.portico.gateway.route.StaticFiles;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One app a user can start: what runs and how the gateway talks to it.
 *
 * <p>{@code command} is an argument list. These tokens are replaced in its arguments:
 * {@code {port}} (chosen by the spawner), {@code {host}} (the address to bind),
 * {@code {base_url}} ({@code /user/NAME/}, with its slashes), {@code {work_dir}}, {@code {user}} and
 * {@code {runtime_dir}} (where Portico's own helper files for apps are), {@code {server_key}}
 * ({@code NAME}, or {@code NAME-SERVER} for a named server, with characters other than letters, digits
 * and {@code -} written as {@code -}: fit for a cookie name); the same tokens are replaced in the values of {@code environment} and in {@code authCookie}.
 *
 * @param displayName the name shown on the launch page
 * @param description one line shown under it
 * @param command the server's argument list
 * @param rootArgs arguments added when the server runs as root (Jupyter refuses root without {@code --allow-root})
 * @param environment extra environment variables of the server
 * @param secretEnv the environment variable that receives the server's secret (in the form
 * {@code secretHash} says), which the gateway then presents as {@code auth} says
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
 * {@code Authorization: token SECRET} ({@code secretEnv} tells the server the secret); {@code cookie}
 * adds the cookie {@code authCookie} with the secret as its value to every request and WebSocket
 * upgrade, merged with the browser's own cookies and never shown to the browser (a server that keeps
 * its login in a session cookie, like code-server); {@code none} sends nothing, for servers that check
 * nothing, where the gateway's owner check is the only guard
 * @param authCookie the cookie's name for {@code auth: cookie} (tokens replaced, e.g.
 * {@code code-server-session-{server_key}}); empty otherwise
 * @param secretHash the form in which the server gets the secret and the gateway presents it: empty
 * for the secret itself; {@code argon2} for an Argon2id hash of it in PHC form ({@code $argon2id$...}),
 * for servers configured with a password hash whose session cookie is that hash (code-server's
 * {@code HASHED_PASSWORD})
 * @param serverName the name the launch page proposes when the app runs beside the default server
 * ({@code desktop}: {@code /user/NAME/desktop/}); empty: the app's own name, when that is a valid
 * server name
 * @param fields what the app adds to the launch form, in order; each checked value reaches the app only as
 * {@code {field.NAME}} in {@code command} or {@code environment} values, or in the variable the field's
 * {@code env} names (see {@link AppField})
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
		@DefaultValue("") String serverName, @DefaultValue("") String authCookie, @DefaultValue("") String secretHash,
		@DefaultValue List<AppField> fields, @DefaultValue("") String staticDir, @DefaultValue List<String> staticPaths) {

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
		fields = (fields == null) ? List.of() : List.copyOf(fields);
		checkFields(fields, command, environment, secretEnv);
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
		authCookie = (authCookie == null) ? "" : authCookie;
		secretHash = (secretHash == null) ? "" : secretHash;
		if (!prefix.equals("keep") && !prefix.equals("strip")) {
			throw new IllegalArgumentException("an app's prefix is keep or strip, not '" + prefix + "'");
		}
		if (!auth.equals("token") && !auth.equals("cookie") && !auth.equals("none")) {
			throw new IllegalArgumentException("an app's auth is token, cookie or none, not '" + auth + "'");
		}
		if (auth.equals("cookie") != !authCookie.isEmpty()) {
			throw new IllegalArgumentException("an app's auth-cookie names the cookie of auth: cookie, and only then");
		}
		// a cookie name is an RFC 6265 token: no separators, so nothing can be smuggled into the header
		if (!authCookie.isEmpty() && !COOKIE_NAME.matcher(authCookie.replace("{user}", "u").replace("{server_key}", "k")).matches()) {
			throw new IllegalArgumentException("an app's auth-cookie is a cookie name (letters, digits, '-', '_', '.'), not '"
					+ authCookie + "'");
		}
		if (!secretHash.isEmpty() && !secretHash.equals("argon2")) {
			throw new IllegalArgumentException("an app's secret-hash is argon2 or empty, not '" + secretHash + "'");
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

	private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

	/** {@code {field.NAME}} in a command argument or an environment value. */
	static final java.util.regex.Pattern FIELD_TOKEN = java.util.regex.Pattern.compile("\\{field\\.([^}]*)\\}");

	private static void checkFields(List<AppField> fields, List<String> command, Map<String, String> environment,
			@Nullable String secretEnv) {
		java.util.Set<String> names = new java.util.HashSet<>();
		java.util.Set<String> envs = new java.util.HashSet<>();
		for (AppField field : fields) {
			if (!names.add(field.name())) {
				throw new IllegalArgumentException("the field '" + field.name() + "' is declared twice");
			}
			if (!field.env().isEmpty() && (!envs.add(field.env()) || environment.containsKey(field.env())
					|| field.env().equals(secretEnv))) {
				throw new IllegalArgumentException("field '" + field.name() + "': env '" + field.env()
						+ "' is already set by another field, the environment or secret-env");
			}
		}
		List<String> texts = new java.util.ArrayList<>(command);
		texts.addAll(environment.values());
		for (String text : texts) {
			java.util.regex.Matcher token = FIELD_TOKEN.matcher(text);
			while (token.find()) {
				if (!names.contains(token.group(1))) {
					throw new IllegalArgumentException("'{field." + token.group(1) + "}' names no field of this app; its fields: " + names);
				}
			}
		}
	}

	/**
	 * The value of each of this app's fields for what the user gave: every field gets one (its default or
	 * {@code ""} when the user gave none).
	 * @param given the user's values by field name
	 * @return the checked values by field name, in the fields' order
	 * @throws IllegalArgumentException naming the field, for a name this app has no field of or a refused value
	 */
	public Map<String, String> fieldValues(Map<String, String> given) {
		for (String name : given.keySet()) {
			if (this.fields.stream().noneMatch((field) -> field.name().equals(name))) {
				throw new IllegalArgumentException("Unknown field '" + org.portico.gateway.security.Accounts.printable(name) + "' for "
						+ this.displayName + "; its fields: " + this.fields.stream().map(AppField::name).toList() + ".");
			}
		}
		Map<String, String> values = new java.util.LinkedHashMap<>();
		for (AppField field : this.fields) {
			values.put(field.name(), field.resolve(given.get(field.name())));
		}
		return values;
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
		return this.auth.equals("token") ? "token " + secretForServer(secret) : null;
	}

	/**
	 * The secret in the form the server is given it ({@code secretHash}): the value of {@code secretEnv}
	 * and of the gateway's cookie. The same secret always gives the same value, so a restarted gateway
	 * presents what the running server expects. May take tens of milliseconds (Argon2).
	 */
	public String secretForServer(String secret) {
		return this.secretHash.equals("argon2") ? SecretHashes.argon2(secret) : secret;
	}

	/**
	 * The cookie the gateway adds to every request to the server, or {@code null} unless {@code auth: cookie}.
	 * @param serverKey what {@code {server_key}} becomes
	 */
	public @Nullable UpstreamCookie cookie(String secret, String user, String serverKey) {
		if (!this.auth.equals("cookie")) {
			return null;
		}
		String name = this.authCookie.replace("{user}", user).replace("{server_key}", serverKey);
		return new UpstreamCookie(name, secretForServer(secret));
	}
}
