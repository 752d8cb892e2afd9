package org.portico.envmodules;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The modules available under one {@code MODULEPATH}, as one module system sees them.
 *
 * <p>Hidden modules (a name part starting with a dot) are not listed, but can still be loaded by
 * their full name. Environment Modules' aliases ({@code module-alias}) are not listed either.
 *
 * @param system the module system that produced the catalogue
 * @param modulePath the {@code MODULEPATH} directories, in order
 * @param modules the modules, sorted by name
 * @param listedAt when the module system was asked
 */
public record Catalogue(ModuleSystemKind system, List<String> modulePath, List<AvailableModule> modules,
		Instant listedAt) {

	/**
	 * Checks and copies the components; sorts the modules by name.
	 */
	public Catalogue {
		Objects.requireNonNull(system, "system");
		Objects.requireNonNull(listedAt, "listedAt");
		modulePath = List.copyOf(modulePath);
		modules = modules.stream().sorted((a, b) -> VersionOrder.compare(a.name(), b.name())).toList();
	}

	/**
	 * Finds a module by name.
	 * @param name the module's name without a version, e.g. {@code cuda}
	 * @return the module, or empty
	 */
	public Optional<AvailableModule> module(String name) {
		return this.modules.stream().filter((m) -> m.name().equals(name)).findFirst();
	}

	/**
	 * Whether a requested module names a listed module or one of its versions. A version the
	 * catalogue does not list may still load (a symbolic version, a partial version, a hidden
	 * module), so this is a hint for forms, not a check to rely on.
	 * @param spec the requested module
	 * @return true if the catalogue lists it
	 */
	public boolean lists(ModuleSpec spec) {
		return this.modules.stream()
			.anyMatch((m) -> m.name().equals(spec.name()) || m.version(spec.name()).isPresent());
	}

}
