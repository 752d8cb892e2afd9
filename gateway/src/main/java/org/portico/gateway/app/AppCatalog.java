package org.portico.gateway.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.portico.gateway.config.PorticoProperties;
import org.portico.spawner.SpawnRequest;
import org.springframework.stereotype.Component;

/**
 * The configured apps, and how one becomes a {@link SpawnRequest} for a user.
 */
@Component
public final class AppCatalog {

	/** The PATH a server starts with: system directories only, nothing of the gateway's own. */
	static final String SERVER_PATH = "/usr/local/bin:/usr/bin:/bin";

	private final Map<String, AppDefinition> apps;

	private final String defaultApp;

	private final PorticoProperties properties;

	private final AppRuntime runtime;

	public AppCatalog(AppProperties apps, PorticoProperties properties, AppRuntime runtime) {
		this.runtime = runtime;
		this.apps = new TreeMap<>(AppDescriptors.builtIn());
		if (apps.appsDir() != null) {
			this.apps.putAll(AppDescriptors.load(apps.appsDir()));
		}
		this.apps.putAll(apps.apps());
		for (String name : this.apps.keySet()) {
			if (!AppDescriptors.NAME.matcher(name).matches()) {
				throw new IllegalStateException("app name '" + name + "': 1 to 32 lower-case letters, digits and '-', starting with a letter");
			}
		}
		this.defaultApp = apps.defaultApp();
		this.properties = properties;
		if (!this.apps.containsKey(this.defaultApp)) {
			throw new IllegalStateException("portico.default-app names no configured app: " + this.defaultApp);
		}
	}

	public Optional<AppDefinition> find(String name) {
		return Optional.ofNullable(this.apps.get(name));
	}

	public String defaultApp() {
		return this.defaultApp;
	}

	/** The apps by name, in name order. */
	public Map<String, AppDefinition> all() {
		return new LinkedHashMap<>(this.apps);
	}

	/** The tokens of {@link #expand}: Portico's own names, and {@code field.NAME}. */
	private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("\\{(host|base_url|work_dir|runtime_dir|user|server_key|field\\.[^}]*)\\}");

	/**
	 * {@code value} with its tokens replaced in one pass, so that a replacement is never read again: a user's
	 * field value that reads {@code {work_dir}} stays that text. Other braces ({@code {port}}, which the
	 * spawner replaces) stay as they are.
	 */
	static String expand(String value, Map<String, String> tokens) {
		java.util.regex.Matcher token = TOKEN.matcher(value);
		StringBuilder out = new StringBuilder();
		while (token.find()) {
			token.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(tokens.getOrDefault(token.group(1), "")));
		}
		token.appendTail(out);
		return out.toString();
	}

	/**
	 * What {@code {server_key}} becomes: {@code NAME}, or {@code NAME-SERVER} for a named server, with
	 * every character but ASCII letters, digits and {@code -} written as {@code -}, as code-server
	 * writes its {@code --cookie-suffix} into the cookie's name.
	 */
	public static String serverKey(String user, String server) {
		return (server.isEmpty() ? user : user + "-" + server).replaceAll("[^A-Za-z0-9-]", "-");
	}

	/** A kernel name as Jupyter and kernel-tools accept it. */
	public static final java.util.regex.Pattern KERNEL = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

	/** The path prefix of a user's server: {@code /user/NAME/}, or {@code /user/NAME/SERVER/} for named ones. */
	public static String baseUrl(String user, String server) {
		return server.isEmpty() ? "/user/" + user + "/" : "/user/" + user + "/" + server + "/";
	}

	/**
	 * Where and as whom a server runs.
	 * @param host what {@code {host}} becomes (the address the server binds)
	 * @param workDir where it starts, and its {@code HOME}
	 * @param logFile where its output goes
	 * @param runtimeDir what {@code {runtime_dir}} becomes
	 * @param osUser the OS user it runs as ({@code USER}, {@code LOGNAME}; {@code root} adds the app's root arguments)
	 */
	public record Placement(String host, Path workDir, Path logFile, Path runtimeDir, String osUser) {
	}

	/** A local server: in the data directory, as the gateway's own OS user. */
	public Placement localPlacement(String user, String server, String host) {
		Path data = this.properties.dataPath();
		// "." is in neither user nor server names: alice's "x" and the user alice-x never share a log
		String key = server.isEmpty() ? user : user + "." + server;
		return new Placement(host, data.resolve("users").resolve(user), data.resolve("logs").resolve(key + ".log"),
				this.runtime.dir(), System.getProperty("user.name"));
	}

	/**
	 * The request that starts {@code app} for {@code user}, with {@code secret} in its environment.
	 * Names reaching here are validated; nothing a user typed is placed in the command.
	 */
	public SpawnRequest request(String user, String server, String appName, String secret, String host) {
		return request(user, server, appName, secret, localPlacement(user, server, host), java.util.Map.of());
	}

	/**
	 * The request that starts {@code app} for {@code user} at {@code placement}, with the spawn options the
	 * gateway already checked ({@code options}, never placed in the command).
	 */
	public SpawnRequest request(String user, String server, String appName, String secret, Placement placement,
			Map<String, String> options) {
		return request(user, server, appName, secret, placement, options, null);
	}

	/** As above, with the user's choice of default kernel (a validated kernel name), or {@code null}. */
	public SpawnRequest request(String user, String server, String appName, String secret, Placement placement,
			Map<String, String> options, @org.jspecify.annotations.Nullable String kernel) {
		return request(user, server, appName, secret, placement, options, kernel, Map.of());
	}

	/**
	 * As above, with the values of the app's fields, checked by {@link AppDefinition#fieldValues}: each one
	 * replaces {@code {field.NAME}} within one argument (never splitting it) and in environment values, and is
	 * the value of the variable the field's {@code env} names. A field without a value here becomes {@code ""}.
	 */
	public SpawnRequest request(String user, String server, String appName, String secret, Placement placement,
			Map<String, String> options, @org.jspecify.annotations.Nullable String kernel, Map<String, String> fields) {
		AppDefinition app = find(appName).orElseThrow(() -> new IllegalArgumentException("unknown app " + appName));
		String host = placement.host();
		Path workDir = placement.workDir();
		Path logFile = placement.logFile();
		String baseUrl = baseUrl(user, server);
		Map<String, String> tokens = new java.util.HashMap<>();
		tokens.put("host", host);
		tokens.put("base_url", baseUrl);
		tokens.put("work_dir", workDir.toString());
		tokens.put("runtime_dir", placement.runtimeDir().toString());
		tokens.put("user", user);
		tokens.put("server_key", serverKey(user, server));
		for (AppField field : app.fields()) {
			tokens.put("field." + field.name(), fields.getOrDefault(field.name(), ""));
		}
		List<String> command = new ArrayList<>();
		for (String arg : app.command()) {
			command.add(expand(arg, tokens)); // one argument stays one argument, whatever a value holds
		}
		if (kernel != null && !app.kernelArg().isEmpty()) {
			command.add(app.kernelArg().replace("{kernel}", kernel)); // one argument, never split by a shell
		}
		String osUser = placement.osUser();
		if ("root".equals(osUser)) {
			command.addAll(app.rootArgs());
		}
		Map<String, String> env = new LinkedHashMap<>();
		env.put("PATH", SERVER_PATH);
		env.put("HOME", workDir.toString());
		env.put("USER", osUser);
		env.put("LOGNAME", osUser);
		env.put("LANG", "C.UTF-8");
		env.put("PORTICO_USER", user);
		env.put("PORTICO_BASE_URL", baseUrl);
		app.environment().forEach((name, value) -> env.put(name, expand(value, tokens)));
		for (AppField field : app.fields()) {
			if (!field.env().isEmpty()) {
				env.put(field.env(), fields.getOrDefault(field.name(), ""));
			}
		}
		if (app.secretEnv() != null) {
			env.put(app.secretEnv(), app.secretForServer(secret));
		}
		return new SpawnRequest(user, server, command, env, workDir, logFile, this.properties.spawn().startTimeout(), options);
	}
}
