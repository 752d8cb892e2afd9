package org.portico.envmodules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Both module systems against a scripted runner replaying recorded real outputs: which argument
 * lists and environments they run, and how they turn results into values or errors.
 */
class ModuleSystemTests {

	private static final Path LMOD = Path.of("/opt/lmod/libexec/lmod");

	private static final Path MODULECMD = Path.of("/opt/modules/libexec/modulecmd.tcl");

	private static final ModuleSystemOptions OPTIONS = new ModuleSystemOptions(
			List.of(Path.of("/site/modules/lua"), Path.of("/site/modules/tcl")), Duration.ofSeconds(7));

	private final FakeToolRunner runner = new FakeToolRunner();

	@Test
	void lmodLoadRunsAnArgumentListWithTheCallersEnvironmentAndTheSitesModulePath() {
		this.runner.lmodVersion().thenCaptured(List.of("python", "load", "cuda/12.4", "python"), "lmod/load-cuda-python");
		ModuleSystem lmod = ModuleCommand.create(new ToolLocation(ModuleSystemKind.LMOD, LMOD), OPTIONS, this.runner);
		Map<String, String> base = Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/alice", "MODULEPATH", "/home/alice/mine",
				"LMOD_REDIRECT", "yes", "LMOD_SYSTEM_NAME", "cluster");

		EnvironmentChange change = lmod.load(List.of(ModuleSpec.of("cuda/12.4"), ModuleSpec.of("python")), base);

		assertThat(lmod.version()).isEqualTo("8.6.19");
		assertThat(change.resolved()).containsExactly("cuda/12.4", "python/3.11");
		FakeToolRunner.Call call = this.runner.lastCall();
		assertThat(call.command()).containsExactly(LMOD.toString(), "python", "load", "cuda/12.4", "python");
		assertThat(call.environment()).containsEntry("MODULEPATH", "/site/modules/lua:/site/modules/tcl")
			.containsEntry("HOME", "/home/alice")
			.containsEntry("LMOD_SYSTEM_NAME", "cluster")
			.containsEntry("LMOD_COLORIZE", "no")
			.doesNotContainKey("LMOD_REDIRECT")
			.doesNotContainKey("JAVA_HOME");
		assertThat(call.timeout()).isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void lmodCatalogueRunsSpiderTwiceWithNobodysEnvironment() {
		this.runner.lmodVersion()
			.thenCaptured(List.of("-o", "jsonSoftwarePage", "/site/modules/lua:/site/modules/tcl"), "lmod/spider-page-lua")
			.thenCaptured(List.of("-o", "spider-json", "/site/modules/lua:/site/modules/tcl"), "lmod/spider-db-lua");
		ModuleSystem lmod = ModuleCommand.create(new ToolLocation(ModuleSystemKind.LMOD, LMOD), OPTIONS, this.runner);

		Catalogue catalogue = lmod.catalogue();

		assertThat(catalogue.system()).isEqualTo(ModuleSystemKind.LMOD);
		assertThat(catalogue.modulePath()).containsExactly("/site/modules/lua", "/site/modules/tcl");
		assertThat(catalogue.module("cuda").orElseThrow().defaultVersion()).isEqualTo("cuda/12.4");
		FakeToolRunner.Call spider = this.runner.lastCall();
		assertThat(spider.command().get(0)).isEqualTo("/opt/lmod/libexec/spider");
		assertThat(spider.environment()).containsOnlyKeys("PATH", "LANG", "MODULEPATH");
		assertThat(this.runner.exhausted()).isTrue();
	}

	@Test
	void environmentModulesLoadAndCatalogue() {
		this.runner.environmentModulesVersion()
			.thenCaptured(List.of("sh", "load", "cuda/12.4", "python"), "envmodules/load-cuda-python")
			.thenCaptured(List.of("sh", "avail", "--json"), "envmodules/avail")
			.thenCaptured(List.of("sh", "avail", "-d", "--json"), "envmodules/avail-defaults")
			.thenCaptured(List.of("sh", "whatis", "--json"), "envmodules/whatis-noisy");
		ModuleSystem modules = ModuleCommand.create(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES, MODULECMD),
				OPTIONS, this.runner);

		EnvironmentChange change = modules.load(List.of(ModuleSpec.of("cuda/12.4"), ModuleSpec.of("python")),
				Map.of("PATH", "/usr/bin:/bin"));
		Catalogue catalogue = modules.catalogue();

		assertThat(modules.version()).isEqualTo("5.2.0");
		assertThat(change.system()).isEqualTo(ModuleSystemKind.ENVIRONMENT_MODULES);
		assertThat(change.resolved()).containsExactly("cuda/12.4", "python/3.11");
		assertThat(this.runner.calls().get(1).environment()).containsEntry("MODULES_COLOR", "never")
			.containsEntry("MODULEPATH", "/site/modules/lua:/site/modules/tcl");
		assertThat(catalogue.module("cuda").orElseThrow().defaultVersion()).isEqualTo("cuda/11.8");
		assertThat(catalogue.module("python").orElseThrow().defaultVersion()).isEqualTo("python/3.11");
	}

	@Test
	void environmentModulesCatalogueFailureQuotesTheTool() {
		this.runner.environmentModulesVersion()
			.then(List.of("sh", "avail", "--json"),
					new ToolResult(List.of(), 0, "test 0 = 1;\n", "ERROR: Unknown option '--json'\n"));
		ModuleSystem modules = ModuleCommand.create(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES, MODULECMD),
				OPTIONS, this.runner);

		assertThatExceptionOfType(ModuleException.class).isThrownBy(modules::catalogue).satisfies((ex) -> {
			assertThat(ex.reason()).isEqualTo(ModuleException.Reason.CATALOGUE_FAILED);
			assertThat(ex.getMessage())
				.isEqualTo("Environment Modules 5.2.0: avail --json failed (exit code 0): ERROR: Unknown option '--json'");
		});
	}

	@Test
	void invalidRequestsAreRefusedBeforeAnyCommandRuns() {
		this.runner.lmodVersion();
		ModuleSystem lmod = ModuleCommand.create(new ToolLocation(ModuleSystemKind.LMOD, LMOD), OPTIONS, this.runner);
		int probes = this.runner.calls().size();

		assertThatIllegalArgumentException().isThrownBy(() -> lmod.load(List.of(), Map.of()))
			.withMessage("no module to load");
		Map<String, String> badName = new HashMap<>(Map.of("A=B", "x"));
		assertThatIllegalArgumentException().isThrownBy(() -> lmod.load(List.of(ModuleSpec.of("cuda")), badName))
			.withMessageContaining("\"A=B\" cannot be passed to a process");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> lmod.load(List.of(ModuleSpec.of("cuda")), Map.of("X", "nul\0byte")))
			.withMessageContaining("cannot be passed to a process");
		assertThatIllegalArgumentException().isThrownBy(() -> lmod.load(List.of(ModuleSpec.of("cuda; id")), Map.of()));
		assertThat(this.runner.calls()).hasSize(probes);
	}

	@Test
	void unreadableOutputIsAnErrorThatStillQuotesTheTool() {
		this.runner.lmodVersion()
			.then(List.of("python", "load", "cuda"), new ToolResult(List.of(), 0, "import os\nprint('hi')\n", "a warning\n"));
		ModuleSystem lmod = ModuleCommand.create(new ToolLocation(ModuleSystemKind.LMOD, LMOD), OPTIONS, this.runner);

		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> lmod.load(List.of(ModuleSpec.of("cuda")), Map.of()))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.UNEXPECTED_OUTPUT);
				assertThat(ex.modules()).containsExactly("cuda");
				assertThat(ex.getMessage()).startsWith("Lmod 8.6.19: unexpected Lmod output at \"print('hi')\"")
					.endsWith("; it said: a warning");
			});
	}

	@Test
	void aTimeoutNamesTheToolAndTheModules() {
		this.runner.environmentModulesVersion()
			.thenFail(List.of("sh", "load", "cuda"), new ModuleException(ModuleException.Reason.TIMEOUT, null, List.of(),
					MODULECMD + " did not finish within 7000 ms and was killed", "", null));
		ModuleSystem modules = ModuleCommand.create(new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES, MODULECMD),
				OPTIONS, this.runner);

		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> modules.load(List.of(ModuleSpec.of("cuda")), Map.of()))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.TIMEOUT);
				assertThat(ex.system()).isEqualTo(ModuleSystemKind.ENVIRONMENT_MODULES);
				assertThat(ex.modules()).containsExactly("cuda");
				assertThat(ex.getMessage()).isEqualTo("Environment Modules 5.2.0: " + MODULECMD
						+ " did not finish within 7000 ms and was killed");
			});
	}

	@Test
	void aToolThatReportsNoVersionIsNotInstalled() {
		this.runner.then(List.of("--version"), new ToolResult(List.of(), 127, "", "lua5.3: not found\n"));

		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> ModuleCommand.create(new ToolLocation(ModuleSystemKind.LMOD, LMOD), OPTIONS, this.runner))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.NOT_INSTALLED);
				assertThat(ex.getMessage())
					.isEqualTo("Lmod at /opt/lmod/libexec/lmod did not report its version (exit code 127): lua5.3: not found");
			});
	}

	@Test
	void detectListsEveryLocationItTried() {
		List<ToolLocation> nowhere = List.of(new ToolLocation(ModuleSystemKind.LMOD, Path.of("/nonexistent/lmod")),
				new ToolLocation(ModuleSystemKind.ENVIRONMENT_MODULES, Path.of("/nonexistent/modulecmd.tcl")));

		assertThatExceptionOfType(ModuleException.class).isThrownBy(() -> ModuleSystem.detect(nowhere, OPTIONS))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.NOT_INSTALLED);
				assertThat(ex.system()).isNull();
				assertThat(ex.getMessage()).isEqualTo("no module system (Lmod or Environment Modules) found; tried: "
						+ "/nonexistent/lmod (Lmod): not installed; "
						+ "/nonexistent/modulecmd.tcl (Environment Modules): not installed");
			});
	}

	@Test
	void defaultLocationsPreferWhatTheEnvironmentNames() {
		List<ToolLocation> defaults = ToolLocation.defaults(
				Map.of("LMOD_CMD", "/apps/lmod/lmod/libexec/lmod", "MODULES_CMD", "relative/is/ignored"));
		assertThat(defaults.get(0)).isEqualTo(new ToolLocation(ModuleSystemKind.LMOD, Path.of("/apps/lmod/lmod/libexec/lmod")));
		assertThat(defaults).extracting(ToolLocation::command)
			.contains(Path.of("/usr/share/lmod/lmod/libexec/lmod"), Path.of("/usr/lib/modulecmd.tcl"))
			.doesNotContain(Path.of("relative/is/ignored"));
	}

	@Test
	void optionsRefuseModulePathsThatCannotBeJoined() {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSystemOptions.of(List.of(Path.of("relative"))))
			.withMessageContaining("absolute path without ':'");
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSystemOptions.of(List.of(Path.of("/a:/b"))));
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSystemOptions.of(List.of()));
		assertThat(ModuleSystemOptions.of(List.of(Path.of("/a/./b/../c"))).modulePathValue()).isEqualTo("/a/c");
	}

}
