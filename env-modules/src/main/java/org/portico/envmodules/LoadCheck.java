package org.portico.envmodules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * Decides whether a {@code module load} succeeded: only if the exit code, the in-band status and
 * the list of modules loaded afterwards all agree. Each module system fails differently (Lmod exits
 * 1 and prints no environment; Environment Modules exits 0, prints the environment of the modules
 * that did load and only its last line says it failed; Lmod silently swaps {@code cuda/11.8} for
 * {@code cuda/12.4} in the same family), so no single signal is enough.
 */
final class LoadCheck {

	private LoadCheck() {
	}

	/**
	 * Checks a load and builds the change.
	 * @param system the module system and its version, for messages
	 * @param requested the requested modules
	 * @param base the environment the modules were loaded into
	 * @param result the finished command
	 * @param output its parsed standard output
	 * @return the change, only if the load fully succeeded
	 * @throws ModuleException with {@link ModuleException.Reason#LOAD_FAILED}, naming the requested
	 * modules that are not loaded (all of them if the tool failed without loading any) and quoting
	 * the tool's message
	 */
	static EnvironmentChange verify(ModuleSystemKind system, String version, List<ModuleSpec> requested,
			Map<String, String> base, ToolResult result, LoadOutput output) {
		List<String> loaded = split(after("LOADEDMODULES", base, output), ":");
		Set<String> loadedBefore = new HashSet<>(split(base.get("LOADEDMODULES"), ":"));
		Map<String, Set<String>> altNames = altNames(after("__MODULES_LMALTNAME", base, output));
		List<String> resolved = resolve(requested, loaded, loadedBefore, altNames);
		boolean statusOk = output.status() == LoadOutput.Status.SUCCESS
				|| (output.status() == LoadOutput.Status.ABSENT && system == ModuleSystemKind.ENVIRONMENT_MODULES
						&& result.stdout().isBlank());
		boolean allLoaded = !resolved.contains(null);
		if (result.exitCode() == 0 && statusOk && allLoaded) {
			return new EnvironmentChange(system, requested, resolved, loaded, output.set(), output.unset());
		}
		List<String> failed = new ArrayList<>();
		for (int i = 0; i < requested.size(); i++) {
			if (resolved.get(i) == null) {
				failed.add(requested.get(i).name());
			}
		}
		if (failed.isEmpty()) {
			requested.forEach((spec) -> failed.add(spec.name()));
		}
		String facts = "exit code " + result.exitCode() + ", status " + describe(output.status()) + ", loaded afterwards: "
				+ (loaded.isEmpty() ? "none" : String.join(" ", loaded));
		String toolMessage = result.message();
		String who = system.displayName() + " " + version;
		String message;
		if (result.exitCode() == 0 && statusOk) {
			message = who + " reported success but did not load " + String.join(", ", failed) + " (" + facts + ")"
					+ (toolMessage.isEmpty() ? "" : ": " + toolMessage);
		}
		else {
			message = who + " could not load " + String.join(", ", failed) + " (" + facts + ")"
					+ (toolMessage.isEmpty() ? "; it gave no message" : ": " + toolMessage);
		}
		throw new ModuleException(ModuleException.Reason.LOAD_FAILED, system, failed, message, toolMessage, null);
	}

	/**
	 * Matches each requested module to a loaded one, each loaded module used at most once. First by
	 * name: equal, a version below it ({@code cuda} matches {@code cuda/12.4}), a longer version
	 * ({@code cuda/12} matches {@code cuda/12.4}, as both tools resolve it), or one of Environment
	 * Modules' alternative names. Then a symbolic version without digits ({@code cuda/default},
	 * {@code gcc/latest}) may match any version of that module, a newly loaded one first. A numeric
	 * version never matches another number, so a silent family swap is caught.
	 * @return the loaded name per requested module, null where none matched
	 */
	static List<@Nullable String> resolve(List<ModuleSpec> requested, List<String> loaded, Set<String> loadedBefore,
			Map<String, Set<String>> altNames) {
		List<@Nullable String> resolved = new ArrayList<>(Arrays.asList(new String[requested.size()]));
		Set<String> claimed = new HashSet<>();
		for (int i = 0; i < requested.size(); i++) {
			String want = requested.get(i).name();
			String match = null;
			for (String name : loaded) {
				if (!claimed.contains(name) && (name.equals(want) || name.startsWith(want + "/")
						|| name.startsWith(want + ".") || altNames.getOrDefault(name, Set.of()).contains(want))) {
					match = name;
				}
			}
			if (match != null) {
				claimed.add(match);
				resolved.set(i, match);
			}
		}
		for (int i = 0; i < requested.size(); i++) {
			ModuleSpec spec = requested.get(i);
			String versionPart = spec.name().substring(spec.module().length());
			if (resolved.get(i) != null || !spec.hasVersion() || versionPart.chars().anyMatch(Character::isDigit)) {
				continue;
			}
			String match = null;
			for (String name : loaded) {
				if (!claimed.contains(name) && name.startsWith(spec.module() + "/")
						&& (match == null || loadedBefore.contains(match))) {
					match = name;
				}
			}
			if (match != null) {
				claimed.add(match);
				resolved.set(i, match);
			}
		}
		return resolved;
	}

	/** A variable's value after the load: as set, absent if unset, else as before. */
	private static @Nullable String after(String name, Map<String, String> base, LoadOutput output) {
		if (output.set().containsKey(name)) {
			return output.set().get(name);
		}
		return output.unset().contains(name) ? null : base.get(name);
	}

	/**
	 * Environment Modules' {@code __MODULES_LMALTNAME}: {@code mod&alt&as|auto:mod2&...}, where an
	 * {@code as|} prefix marks an automatic symbol such as {@code cuda/default}.
	 */
	static Map<String, Set<String>> altNames(@Nullable String value) {
		Map<String, Set<String>> names = new HashMap<>();
		for (String entry : split(value, ":")) {
			List<String> parts = split(entry, "&");
			if (parts.size() > 1) {
				names.put(parts.get(0), parts.subList(1, parts.size())
					.stream()
					.map((alt) -> alt.startsWith("as|") ? alt.substring(3) : alt)
					.collect(Collectors.toSet()));
			}
		}
		return names;
	}

	private static List<String> split(@Nullable String value, String separator) {
		if (value == null || value.isEmpty()) {
			return List.of();
		}
		return Arrays.stream(value.split(java.util.regex.Pattern.quote(separator))).filter((s) -> !s.isEmpty()).toList();
	}

	private static String describe(LoadOutput.Status status) {
		switch (status) {
			case SUCCESS:
				return "success";
			case FAILURE:
				return "failure";
			default:
				return "none";
		}
	}

}
