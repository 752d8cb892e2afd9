package org.portico.envmodules;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * A module in the catalogue with all of its visible versions.
 *
 * @param name the module's name without a version, e.g. {@code cuda}
 * @param versions its versions, oldest first
 * @param defaultVersion the full name {@code module load NAME} picks, e.g. {@code cuda/12.4}, or
 * null if the module system did not say
 * @param description the default version's description, else the first non-empty one, else empty
 */
public record AvailableModule(String name, List<ModuleVersion> versions, @Nullable String defaultVersion,
		String description) {

	/**
	 * Checks and copies the components.
	 */
	public AvailableModule {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(description, "description");
		versions = List.copyOf(versions);
	}

	/**
	 * Builds a module from its versions, taking the default and the description from them.
	 * @param name the module's name
	 * @param versions its versions in any order
	 * @return the module, with versions sorted oldest first
	 */
	static AvailableModule of(String name, List<ModuleVersion> versions) {
		List<ModuleVersion> sorted = versions.stream()
			.sorted((a, b) -> VersionOrder.compare(a.fullName(), b.fullName()))
			.toList();
		Optional<ModuleVersion> byDefault = sorted.stream().filter(ModuleVersion::isDefault).findFirst();
		String description = byDefault.map(ModuleVersion::description)
			.filter((text) -> !text.isEmpty())
			.or(() -> sorted.stream().map(ModuleVersion::description).filter((text) -> !text.isEmpty()).findFirst())
			.orElse("");
		return new AvailableModule(name, sorted, byDefault.map(ModuleVersion::fullName).orElse(null), description);
	}

	/**
	 * Finds a version by its full name.
	 * @param fullName e.g. {@code cuda/12.4}
	 * @return the version, or empty
	 */
	public Optional<ModuleVersion> version(String fullName) {
		return this.versions.stream().filter((v) -> v.fullName().equals(fullName)).findFirst();
	}

}
