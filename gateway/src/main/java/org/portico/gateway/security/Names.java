package org.portico.gateway.security;

import java.util.regex.Pattern;

/**
 * The rules for user and server names. User names become Unix accounts, path segments and
 * scheduler arguments, so they are held to the portable POSIX subset: lower case letters, digits,
 * {@code _} and {@code -}, starting with a letter or {@code _}, at most 32 characters.
 */
public final class Names {

	private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

	private static final Pattern SERVER = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

	private Names() {
	}

	/** Whether {@code name} is a valid user name. */
	public static boolean isValidUser(String name) {
		return USER.matcher(name).matches();
	}

	/** Whether {@code name} is a valid server name ({@code ""} is the default server). */
	public static boolean isValidServer(String name) {
		return name.isEmpty() || SERVER.matcher(name).matches();
	}

	/** Why a user name is refused, in words for the person who typed it. */
	public static String userRule() {
		return "A user name has 1 to 32 characters: lower-case letters, digits, '_' and '-', starting with a letter or '_'.";
	}

	/** Why a server name is refused. */
	public static String serverRule() {
		return "A server name has 1 to 32 characters: lower-case letters, digits, '_' and '-', starting with a letter or digit.";
	}
}
