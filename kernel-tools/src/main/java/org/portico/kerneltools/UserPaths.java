package org.portico.kerneltools;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Turns a path a user typed into an absolute, normalised path, with the rules every path that ends
 * up in a kernelspec follows.
 *
 * <p>{@code ~} and {@code ~/x} mean the home folder (no shell expanded them when the gateway passes
 * arguments), and must stay under it after normalisation ({@code ~/../bob} is refused). A relative
 * path is taken from the working directory. Refused everywhere: an empty value, more than
 * {@value #MAX_LENGTH} characters, control or format characters (a newline could forge a line in
 * a log), {@code :} (the path goes into {@code PATH}) and <code>{</code> <code>}</code> (Jupyter
 * replaces <code>{name}</code> in a kernel's argv). Other characters, spaces included, are allowed:
 * no shell ever reads these paths.
 *
 * @param home the user's home folder, absolute
 * @param workingDirectory where relative paths start, absolute
 */
public record UserPaths(Path home, Path workingDirectory) {

	/** The longest path accepted. */
	public static final int MAX_LENGTH = 1024;

	/**
	 * Checks the components.
	 * @throws IllegalArgumentException if a folder is not absolute
	 */
	public UserPaths {
		Objects.requireNonNull(home, "home");
		Objects.requireNonNull(workingDirectory, "workingDirectory");
		if (!home.isAbsolute() || !workingDirectory.isAbsolute()) {
			throw new IllegalArgumentException("home and working directory must be absolute");
		}
		home = home.normalize();
		workingDirectory = workingDirectory.normalize();
	}

	/**
	 * Resolves a typed path.
	 * @param what what the path is, for the message ("virtualenv", "--shared folder")
	 * @param typed the path as typed
	 * @return the absolute, normalised path; not checked for existence
	 * @throws IllegalArgumentException saying what is wrong, with the value quoted
	 */
	public Path resolve(String what, String typed) {
		check(what, typed);
		Path path;
		if (typed.equals("~")) {
			path = this.home;
		}
		else if (typed.startsWith("~/")) {
			path = this.home.resolve(typed.substring(2)).normalize();
			if (!path.startsWith(this.home)) {
				throw new IllegalArgumentException(what + " " + Texts.quote(typed) + " refused: it leaves the home folder");
			}
		}
		else if (typed.startsWith("~")) {
			throw new IllegalArgumentException(
					what + " " + Texts.quote(typed) + " refused: only ~ and ~/... (your own home) are understood");
		}
		else {
			path = this.workingDirectory.resolve(typed).normalize();
		}
		return path;
	}

	/**
	 * Checks a path that is already absolute (read from a file, or built by code) with the same
	 * character rules.
	 * @param what what the path is, for the message
	 * @param path the path
	 * @return the normalised path
	 * @throws IllegalArgumentException if it is relative or has a refused character
	 */
	public static Path checkAbsolute(String what, Path path) {
		check(what, path.toString());
		if (!path.isAbsolute()) {
			throw new IllegalArgumentException(what + " " + Texts.quote(path.toString()) + " refused: it is not absolute");
		}
		return path.normalize();
	}

	private static void check(String what, String typed) {
		String problem = problem(typed);
		if (problem != null) {
			throw new IllegalArgumentException(what + " " + Texts.quote(typed) + " refused: " + problem);
		}
	}

	private static @org.jspecify.annotations.Nullable String problem(String typed) {
		if (typed.isEmpty()) {
			return "it is empty";
		}
		if (typed.length() > MAX_LENGTH) {
			return "it is longer than " + MAX_LENGTH + " characters";
		}
		if (!typed.codePoints().allMatch(Texts::printable)) {
			return "it contains a control or invisible character";
		}
		for (int i = 0; i < typed.length(); i++) {
			char c = typed.charAt(i);
			if (c == ':') {
				return "':' is not allowed (the path goes into PATH)";
			}
			if (c == '{' || c == '}') {
				return "'{' and '}' are not allowed (Jupyter would read them as a placeholder)";
			}
		}
		return null;
	}

}
