package org.portico.envmodules;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Environment Modules 4.x/5.x, driven through {@code modulecmd.tcl}.
 *
 * <p>Load: {@code modulecmd.tcl sh load A B}, read by {@link EnvironmentModulesShOutput}. A failed
 * load still exits 0 and prints the environment of the modules that did load before it: only the
 * last line ({@code test 0 = 1;}) and the resulting {@code LOADEDMODULES} tell, which is why
 * {@link LoadCheck} looks at all three. Catalogue: {@code avail --json}, {@code avail -d --json}
 * (the defaults, implicit ones included) and {@code whatis --json}, whose JSON is on stderr.
 */
final class EnvironmentModulesSystem implements ModuleSystem {

	private static final String FAILED = "test 0 = 1;";

	private final ModuleCommand command;

	EnvironmentModulesSystem(ModuleCommand command) {
		this.command = Objects.requireNonNull(command, "command");
	}

	@Override
	public ModuleSystemKind kind() {
		return ModuleSystemKind.ENVIRONMENT_MODULES;
	}

	@Override
	public String version() {
		return this.command.version();
	}

	@Override
	public ToolLocation location() {
		return this.command.location();
	}

	@Override
	public ModuleSystemOptions options() {
		return this.command.options();
	}

	@Override
	public ModuleSystem withOptions(ModuleSystemOptions options) {
		return new EnvironmentModulesSystem(this.command.withOptions(options));
	}

	@Override
	public Catalogue catalogue() {
		Instant now = Instant.now();
		ToolResult avail = listing(List.of("sh", "avail", "--json"));
		ToolResult defaults = listing(List.of("sh", "avail", "-d", "--json"));
		ToolResult whatis = listing(List.of("sh", "whatis", "--json"));
		try {
			List<AvailableModule> modules = EnvironmentModulesJsonOutput.catalogue(avail.stderr(), defaults.stderr(),
					whatis.stderr());
			return new Catalogue(kind(), options().modulePath().stream().map(Object::toString).toList(), modules, now);
		}
		catch (MalformedOutputException ex) {
			throw this.command.malformed(ex, List.of(), avail);
		}
	}

	private ToolResult listing(List<String> args) {
		Map<String, String> env = this.command.catalogueEnvironment();
		env.put("MODULES_COLOR", "never");
		ToolResult result = this.command.run(args, env, List.of());
		if (result.exitCode() != 0 || result.stdout().contains(FAILED)) {
			throw new ModuleException(ModuleException.Reason.CATALOGUE_FAILED, kind(), List.of(),
					this.command.who() + ": " + String.join(" ", args.subList(1, args.size())) + " failed (exit code "
							+ result.exitCode() + ")" + (result.message().isEmpty() ? "" : ": " + result.message()),
					result.message(), null);
		}
		return result;
	}

	@Override
	public EnvironmentChange load(List<ModuleSpec> modules, Map<String, String> baseEnvironment) {
		if (modules.isEmpty()) {
			throw new IllegalArgumentException("no module to load");
		}
		Map<String, String> env = this.command.loadEnvironment(baseEnvironment);
		env.put("MODULES_COLOR", "never");
		List<String> names = modules.stream().map(ModuleSpec::name).toList();
		List<String> args = new ArrayList<>(List.of("sh", "load"));
		args.addAll(names);
		ToolResult result = this.command.run(args, env, names);
		LoadOutput output;
		try {
			output = EnvironmentModulesShOutput.parse(result.stdout());
		}
		catch (MalformedOutputException ex) {
			throw this.command.malformed(ex, names, result);
		}
		return LoadCheck.verify(kind(), version(), modules, baseEnvironment, result, output);
	}

	@Override
	public String toString() {
		return this.command.who() + " at " + location().command();
	}

}
