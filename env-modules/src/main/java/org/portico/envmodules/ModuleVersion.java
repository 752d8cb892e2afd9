package org.portico.envmodules;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One loadable modulefile of a module, such as {@code cuda/12.4}.
 *
 * @param fullName what to pass to {@code module load} to get exactly this version, e.g.
 * {@code cuda/12.4}
 * @param version the version part ({@code 12.4}), or null for a modulefile without one
 * @param modulefile the modulefile's path as the module system reported it
 * @param description a one-line description: the module system's own, else the text after
 * {@code Description:} in a whatis line, else the whatis lines joined; empty if there is none
 * @param whatis the modulefile's whatis lines, in order
 * @param isDefault whether {@code module load NAME} without a version picks this one
 */
public record ModuleVersion(String fullName, @Nullable String version, String modulefile, String description,
		List<String> whatis, boolean isDefault) {

	/**
	 * Checks and copies the components.
	 */
	public ModuleVersion {
		Objects.requireNonNull(fullName, "fullName");
		Objects.requireNonNull(modulefile, "modulefile");
		Objects.requireNonNull(description, "description");
		whatis = List.copyOf(whatis);
	}

	/**
	 * Derives a one-line description from whatis lines, for tools that only give whatis: the text
	 * after {@code Description:} (up to a following {@code ;}), else all lines joined by a space.
	 * @param whatis the whatis lines
	 * @return the description, possibly empty
	 */
	static String describe(List<String> whatis) {
		for (String line : whatis) {
			int at = line.indexOf("Description:");
			if (at >= 0) {
				String rest = line.substring(at + "Description:".length());
				int semicolon = rest.indexOf(';');
				return ((semicolon < 0) ? rest : rest.substring(0, semicolon)).strip();
			}
		}
		return String.join(" ", whatis).strip();
	}

}
