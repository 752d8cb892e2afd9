package org.portico.spawner.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to run a command as one end user: an argument-list template in which {@value #USER} stands for the
 * user name, for example {@code [sudo, -n, -u, {user}, --]} or {@code [runuser, -u, {user}, --]}.
 *
 * <p>{@code sudo} resets the environment, so when {@code passEnvironment} is set the command's
 * {@link CommandLine#environment()} is passed on through {@code env NAME=VALUE ...} after the prefix. Those
 * values then appear in the process list: only scheduler settings such as {@code SGE_ROOT} belong there,
 * never secrets (Portico puts none in a scheduler command's environment).
 *
 * @param template the prefix, with {@value #USER} where the user name goes; empty to run as the gateway's
 * own user
 * @param passEnvironment whether to pass the command's environment through {@code env}
 */
public record CommandPrefix(List<String> template, boolean passEnvironment) {

	/** Replaced by the user name in {@link #template()}. */
	public static final String USER = "{user}";

	/** POSIX portable user names (as {@code useradd} accepts by default), and no leading dash. */
	private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");

	public CommandPrefix {
		template = List.copyOf(template);
	}

	/** No prefix: commands run as the gateway's own OS user. */
	public static CommandPrefix none() {
		return new CommandPrefix(List.of(), false);
	}

	/** {@code sudo -n -u USER -- env ...}: sudo resets the environment, so it is passed through env. */
	public static CommandPrefix sudo() {
		return new CommandPrefix(List.of("sudo", "-n", "-u", USER, "--"), true);
	}

	/** {@code runuser -u USER --} (root only); runuser keeps the environment the runner sets. */
	public static CommandPrefix runuser() {
		return new CommandPrefix(List.of("runuser", "-u", USER, "--"), false);
	}

	/** Whether {@code user} is a safe OS user name to put into a prefix. */
	public static boolean isValidUserName(String user) {
		return USER_NAME.matcher(user).matches();
	}

	/** The prefix for one user. Throws {@link IllegalArgumentException} for a name that is not a plain user name. */
	public List<String> forUser(String user) {
		if (!isValidUserName(user)) {
			throw new IllegalArgumentException("not a valid user name");
		}
		return this.template.stream().map((arg) -> arg.replace(USER, user)).toList();
	}

	/** {@code command} as {@code user} would run it. */
	public CommandLine apply(CommandLine command, String user) {
		List<String> prefix = new ArrayList<>(forUser(user));
		if (this.passEnvironment && !this.template.isEmpty() && !command.environment().isEmpty()) {
			prefix.add("env");
			for (Map.Entry<String, String> e : new java.util.TreeMap<>(command.environment()).entrySet()) {
				prefix.add(e.getKey() + "=" + e.getValue());
			}
		}
		return command.prefixed(prefix);
	}

	/** A runner that runs everything as {@code user}. */
	public CommandRunner runnerFor(CommandRunner delegate, String user) {
		CommandPrefix self = this;
		return (command, stdin) -> delegate.run(self.apply(command, user), stdin);
	}
}
