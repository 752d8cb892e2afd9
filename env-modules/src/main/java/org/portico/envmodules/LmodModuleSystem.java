package org.portico.envmodules;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Lmod, driven through {@code $LMOD_CMD} (the {@code lmod} Lua script) and the {@code spider}
 * script next to it in {@code $LMOD_DIR}.
 *
 * <p>Load: {@code lmod python load A B}. Lmod 8.6 has no {@code json} shell ({@code lmod json}
 * prints the help and exits 1), and its python output is the most regular one: one statement a
 * line, values quoted with Lua's {@code %q}. A failed load exits 1, prints
 * {@code _mlstatus = False} and no environment at all. Catalogue: {@code spider -o
 * jsonSoftwarePage MODULEPATH} and {@code spider -o spider-json MODULEPATH} (for whatis lines);
 * {@code spider} reads the tree itself and uses no cache file.
 */
final class LmodModuleSystem implements ModuleSystem {

	private final ModuleCommand command;

	LmodModuleSystem(ModuleCommand command) {
		this.command = Objects.requireNonNull(command, "command");
	}

	@Override
	public ModuleSystemKind kind() {
		return ModuleSystemKind.LMOD;
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
		return new LmodModuleSystem(this.command.withOptions(options));
	}

	@Override
	public Catalogue catalogue() {
		Instant now = Instant.now();
		String spider = spiderScript().toString();
		String modulePath = options().modulePathValue();
		ToolResult page = spider(spider, "jsonSoftwarePage", modulePath);
		ToolResult db = spider(spider, "spider-json", modulePath);
		try {
			List<AvailableModule> modules = LmodSpiderOutput.parse(page.stdout(), db.stdout());
			return new Catalogue(kind(), pathStrings(), modules, now);
		}
		catch (MalformedOutputException ex) {
			throw this.command.malformed(ex, List.of(), page);
		}
	}

	/** {@code $LMOD_DIR/spider}: next to the real {@code lmod} script, even if given a link to it. */
	private Path spiderScript() {
		Path lmod = location().command();
		try {
			lmod = lmod.toRealPath();
		}
		catch (IOException ex) {
			// keep the configured path; running spider will then report what is wrong
		}
		return lmod.resolveSibling("spider");
	}

	private ToolResult spider(String spider, String style, String modulePath) {
		List<String> argv = List.of(spider, "-o", style, modulePath);
		ToolResult result = this.command.runExact(argv, this.command.catalogueEnvironment(), List.of());
		if (result.exitCode() != 0) {
			throw new ModuleException(ModuleException.Reason.CATALOGUE_FAILED, kind(), List.of(),
					this.command.who() + ": spider -o " + style + " failed (exit code " + result.exitCode() + ")"
							+ (result.message().isEmpty() ? "" : ": " + result.message()),
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
		// Messages must stay on stderr: LMOD_REDIRECT would put them into the python code.
		env.remove("LMOD_REDIRECT");
		env.put("LMOD_COLORIZE", "no");
		List<String> names = modules.stream().map(ModuleSpec::name).toList();
		List<String> args = new ArrayList<>(List.of("python", "load"));
		args.addAll(names);
		ToolResult result = this.command.run(args, env, names);
		LoadOutput output;
		try {
			output = LmodPythonOutput.parse(result.stdout());
		}
		catch (MalformedOutputException ex) {
			throw this.command.malformed(ex, names, result);
		}
		return LoadCheck.verify(kind(), version(), modules, baseEnvironment, result, output);
	}

	private List<String> pathStrings() {
		return options().modulePath().stream().map(Object::toString).toList();
	}

	@Override
	public String toString() {
		return this.command.who() + " at " + location().command();
	}

}
