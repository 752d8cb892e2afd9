package org.portico.kerneltools;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.portico.envmodules.AvailableModule;
import org.portico.envmodules.Catalogue;
import org.portico.envmodules.ModuleException;
import org.portico.envmodules.ModuleSpec;
import org.portico.envmodules.ModuleSystem;

/**
 * Compares the module versions a kernel pinned at creation with what the user's module names give
 * today. A kernel always loads its pinned versions, so a default that moved on ({@code cuda} was
 * {@code cuda/12.4}, is now {@code cuda/12.6}) is a warning; a pinned version that no longer exists
 * is an error, since the kernel will not start.
 */
final class ModuleDrift {

	private ModuleDrift() {
	}

	/**
	 * Loads the modules as the user named them and reports what moved.
	 * @param modules the kernel's record
	 * @param system the module system, with the kernel's {@code MODULEPATH}
	 * @param environment the environment to load into
	 * @return the drift found, possibly none
	 */
	static List<KernelCheck.Problem> find(PorticoMetadata.Modules modules, ModuleSystem system,
			Map<String, String> environment) {
		List<ModuleSpec> requested = modules.requested().stream().map(ModuleSpec::of).toList();
		List<String> now;
		try {
			now = system.load(requested, environment).resolved();
		}
		catch (ModuleException ex) {
			return gone(modules, catalogue(system));
		}
		if (now.equals(modules.resolved())) {
			return List.of();
		}
		// Only a difference costs a catalogue: is the pinned version still there to load?
		Catalogue catalogue = catalogue(system);
		return compare(modules.requested(), modules.resolved(), now,
				(pinned) -> catalogue == null || catalogue.lists(ModuleSpec.of(pinned)));
	}

	/**
	 * The problems for modules whose names now resolve to other versions: a warning while the
	 * pinned version is still available (the kernel keeps loading it), an error once it is not.
	 * @param requested the names the user gave
	 * @param pinned what they resolved to at creation
	 * @param now what they resolve to today
	 * @param available whether a pinned version is still available
	 */
	static List<KernelCheck.Problem> compare(List<String> requested, List<String> pinned, List<String> now,
			Predicate<String> available) {
		List<KernelCheck.Problem> problems = new ArrayList<>();
		for (int i = 0; i < pinned.size() && i < now.size(); i++) {
			if (pinned.get(i).equals(now.get(i))) {
				continue;
			}
			if (!available.test(pinned.get(i))) {
				problems.add(new KernelCheck.Problem(KernelCheck.Kind.MODULE_DRIFT, KernelCheck.Severity.ERROR,
						goneMessage(pinned.get(i), now.get(i)), List.of()));
			}
			else {
				problems.add(new KernelCheck.Problem(KernelCheck.Kind.MODULE_DRIFT, KernelCheck.Severity.WARNING,
						pinned.get(i) + " is now " + now.get(i) + ": '" + requested.get(i) + "' resolved to " + pinned.get(i)
								+ " when the kernel was made, and the kernel still loads " + pinned.get(i)
								+ "; re-create it to use " + now.get(i),
						List.of()));
			}
		}
		return problems;
	}

	private static String goneMessage(String pinned, @Nullable String now) {
		return (now != null) ? pinned + " is now " + now + ": " + pinned + " is no longer available; re-create the kernel with "
				+ now : pinned + " is no longer available";
	}

	/**
	 * The errors for pinned versions the catalogue no longer lists, with what the module's name gives
	 * instead.
	 * @param catalogue the catalogue, or null if it could not be listed
	 */
	static List<KernelCheck.Problem> gone(PorticoMetadata.Modules modules, @Nullable Catalogue catalogue) {
		List<KernelCheck.Problem> problems = new ArrayList<>();
		if (catalogue == null) {
			return problems;
		}
		for (String pinned : modules.resolved()) {
			String name = ModuleSpec.of(pinned).module();
			Optional<AvailableModule> module = catalogue.module(name);
			if (module.isEmpty()) {
				problems.add(new KernelCheck.Problem(KernelCheck.Kind.MODULE_DRIFT, KernelCheck.Severity.ERROR,
						pinned + " is no longer available: no module " + name + " in " + String.join(":", catalogue.modulePath()),
						List.of()));
			}
			else if (module.get().version(pinned).isEmpty() && !module.get().name().equals(pinned)) {
				String now = module.get().defaultVersion();
				if (now == null && !module.get().versions().isEmpty()) {
					now = module.get().versions().get(module.get().versions().size() - 1).fullName();
				}
				problems.add(new KernelCheck.Problem(KernelCheck.Kind.MODULE_DRIFT, KernelCheck.Severity.ERROR,
						goneMessage(pinned, now), List.of()));
			}
		}
		return problems;
	}

	private static @Nullable Catalogue catalogue(ModuleSystem system) {
		try {
			return system.catalogue();
		}
		catch (ModuleException ex) {
			// Without a catalogue the launcher's own load failure is the whole story.
			return null;
		}
	}

}
