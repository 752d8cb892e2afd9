package org.portico.envmodules;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Where a module system's command might be installed, for {@link ModuleSystem#detect}.
 *
 * @param kind which module system the command belongs to
 * @param command the absolute path of Lmod's {@code lmod} or of {@code modulecmd.tcl}
 */
public record ToolLocation(ModuleSystemKind kind, Path command) {

	/**
	 * Checks the components.
	 * @throws IllegalArgumentException if the command is not an absolute path
	 */
	public ToolLocation {
		Objects.requireNonNull(kind, "kind");
		if (!command.isAbsolute()) {
			throw new IllegalArgumentException("module command must be an absolute path: " + command);
		}
	}

	/**
	 * The usual places, in order of preference: {@code $LMOD_CMD} and {@code $MODULES_CMD} if the
	 * given environment sets them (each tool's init scripts export them), then Lmod as packaged by
	 * Debian/Ubuntu and EPEL ({@code /usr/share/lmod/lmod/libexec/lmod}) and as installed from
	 * source ({@code /opt/apps/lmod/lmod/libexec/lmod}), then Environment Modules as packaged by
	 * Debian ({@code /usr/lib/modulecmd.tcl}), Fedora/RHEL ({@code /usr/share/Modules/libexec})
	 * and installed from source ({@code /usr/local/Modules/libexec}).
	 * @param environment an environment to read {@code LMOD_CMD} and {@code MODULES_CMD} from,
	 * e.g. {@code System.getenv()}; may be empty
	 * @return candidate locations, most preferred first
	 */
	public static List<ToolLocation> defaults(Map<String, String> environment) {
		List<ToolLocation> candidates = new ArrayList<>();
		addIfAbsolute(candidates, ModuleSystemKind.LMOD, environment.get("LMOD_CMD"));
		addIfAbsolute(candidates, ModuleSystemKind.ENVIRONMENT_MODULES, environment.get("MODULES_CMD"));
		candidates.add(new ToolLocation(ModuleSystemKind.LMOD, Path.of("/usr/share/lmod/lmod/libexec/lmod")));
		candidates.add(new ToolLocation(ModuleSystemKind.LMOD, Path.of("/opt/apps/lmod/lmod/libexec/lmod")));
		candidates.add(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES, Path.of("/usr/lib/modulecmd.tcl")));
		candidates.add(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES,
				Path.of("/usr/share/Modules/libexec/modulecmd.tcl")));
		candidates.add(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES,
				Path.of("/usr/local/Modules/libexec/modulecmd.tcl")));
		return List.copyOf(candidates);
	}

	private static void addIfAbsolute(List<ToolLocation> candidates, ModuleSystemKind kind, @Nullable String value) {
		if (value != null && !value.isBlank() && Path.of(value).isAbsolute()) {
			candidates.add(new ToolLocation(kind, Path.of(value)));
		}
	}

}
