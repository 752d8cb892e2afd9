package org.portico.gateway.security;

import java.util.regex.Pattern;

/**
 * The rules for user and server names. User names become Unix accounts, path segments and
 * scheduler arguments, so they are held to the portable POSIX subset: lower case letters, digits,
 * {@code _} and {@code -}, starting with a letter or {@code _}, at most 32 characters.
 */
public final class Names {

	private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

	private static final Pattern GROUP = Pattern.compile("[a-z0-9_][a-z0-9_-]{0,31}");

	private static final Pattern SERVER = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

	/**
	 * Names a server may not take: a named server lives at {@code /user/NAME/SERVER/}, inside the default
	 * server's {@code /user/NAME/}, and would hide what the default server serves there. These are the
	 * paths Jupyter (notebook, Jupyter Server, JupyterLab, nbclassic, voila, jupyter-server-proxy) and the
	 * shipped apps (the desktop's noVNC and websockify) serve at their root, plus Portico's own.
	 */
	private static final java.util.Set<String> RESERVED_SERVERS = java.util.Set.of("api", "tree", "notebooks", "lab", "doc",
			"files", "static", "nbextensions", "custom", "terminals", "edit", "view", "kernelspecs", "kernels", "login",
			"logout", "nbconvert", "voila", "retro", "nbclassic", "proxy", "metrics", "lsp", "extensions", "hub", "user",
			"server", "servers", "websockify", "app", "core", "vendor", "portico");

	private Names() {
	}

	/** Whether {@code name} is a valid user name. */
	public static boolean isValidUser(String name) {
		return USER.matcher(name).matches();
	}

	/** Whether {@code name} is a valid group name (it appears in URLs and in refusals users read). */
	public static boolean isValidGroup(String name) {
		return GROUP.matcher(name).matches();
	}

	/** Why a group name is refused. */
	public static String groupRule() {
		return "A group name has 1 to 32 characters: lower-case letters, digits, '_' and '-', starting with a letter, digit or '_'.";
	}

	/** Whether {@code name} is a valid server name ({@code ""} is the default server). */
	public static boolean isValidServer(String name) {
		return name.isEmpty() || SERVER.matcher(name).matches();
	}

	/**
	 * Whether {@code name} is one a named server may not take, because the default server at
	 * {@code /user/NAME/} serves that path itself ({@code api}, {@code lab}, {@code tree}, ...).
	 */
	public static boolean isReservedServer(String name) {
		return RESERVED_SERVERS.contains(name);
	}

	/** Why a user name is refused, in words for the person who typed it. */
	public static String userRule() {
		return "A user name has 1 to 32 characters: lower-case letters, digits, '_' and '-', starting with a letter or '_'.";
	}

	/** Why a server name is refused. */
	public static String serverRule() {
		return "A server name has 1 to 32 characters: lower-case letters, digits, '_' and '-', starting with a letter or digit.";
	}

	/** Why a reserved server name is refused. */
	public static String reservedServerRule(String name) {
		return "The server name '" + name + "' is taken by what your default server serves at /user/NAME/" + name
				+ "/; choose another.";
	}
}
