package org.portico.envmodules;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The exact change {@code module load} makes to an environment: which variables it sets and which
 * it removes, and which modules are loaded afterwards. Only produced for a load that fully
 * succeeded; a failed load is a {@link ModuleException}, never a partial change.
 *
 * <p>The variables include the module system's own bookkeeping ({@code LOADEDMODULES},
 * {@code _LMFILES_}, Lmod's {@code _ModuleTable*_} and {@code __LMOD_REF_COUNT_*}, Environment
 * Modules' {@code __MODULES_*}), which a later {@code module} command in the same environment
 * needs. Aliases and shell functions a modulefile defines are not part of an environment and are
 * not included.
 *
 * @param system the module system that computed the change
 * @param requested the modules asked for, in order
 * @param resolved for each requested module, the full name actually loaded (e.g. {@code cuda}
 * resolved to {@code cuda/12.4}), in the same order
 * @param loadedModules every module loaded afterwards ({@code LOADEDMODULES}), including ones
 * loaded before and dependencies
 * @param set the variables to set, with their new values; iterates sorted by name
 * @param unset the variables to remove; iterates sorted by name; disjoint from {@code set}
 */
public record EnvironmentChange(ModuleSystemKind system, List<ModuleSpec> requested, List<String> resolved,
		List<String> loadedModules, Map<String, String> set, Set<String> unset) {

	/**
	 * Checks and copies the components.
	 */
	public EnvironmentChange {
		Objects.requireNonNull(system, "system");
		requested = List.copyOf(requested);
		resolved = List.copyOf(resolved);
		loadedModules = List.copyOf(loadedModules);
		set = Collections.unmodifiableSortedMap(new TreeMap<>(set));
		unset = Collections.unmodifiableSortedSet(new TreeSet<>(unset));
		if (requested.size() != resolved.size()) {
			throw new IllegalArgumentException("one resolved name per requested module expected");
		}
		for (String name : unset) {
			if (set.containsKey(name)) {
				throw new IllegalArgumentException("variable " + name + " both set and unset");
			}
		}
	}

	/**
	 * Applies the change to an environment.
	 * @param base the environment the modules were loaded into
	 * @return a new, unmodifiable map: {@code base} with {@link #set()} put and {@link #unset()}
	 * removed
	 */
	public Map<String, String> applyTo(Map<String, String> base) {
		Map<String, String> result = new HashMap<>(base);
		result.putAll(this.set);
		result.keySet().removeAll(this.unset);
		return Collections.unmodifiableMap(result);
	}

	/**
	 * The variables this change touches.
	 * @return names of set and unset variables
	 */
	public Set<String> variables() {
		SortedSet<String> names = new TreeSet<>(this.set.keySet());
		names.addAll(this.unset);
		return Collections.unmodifiableSortedSet(names);
	}

}
