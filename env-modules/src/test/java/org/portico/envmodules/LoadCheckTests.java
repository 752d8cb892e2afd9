package org.portico.envmodules;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LoadCheckTests {

	private static final Map<String, String> BASE = Map.of("PATH", "/usr/bin:/bin");

	@Test
	void acceptsALoadWhereAllThreeSignalsAgree() {
		EnvironmentChange change = lmod("lmod/load-cuda-python", BASE, "cuda/12.4", "python");

		assertThat(change.resolved()).containsExactly("cuda/12.4", "python/3.11");
		assertThat(change.loadedModules()).containsExactly("cuda/12.4", "python/3.11");
		assertThat(change.set()).containsEntry("PYTHON_VERSION", "3.11");
		assertThat(change.applyTo(BASE)).containsEntry("PATH", "/usr/bin:" + Captured.TREE + "/fakeroot/cuda-12.4/bin:/bin");
	}

	@Test
	void resolvesTheDefaultVersion() {
		EnvironmentChange change = lmod("lmod/load-tcl-default", BASE, "cuda", "python/3.11");
		assertThat(change.resolved()).containsExactly("cuda/11.8", "python/3.11");
	}

	@Test
	void lmodUnknownModuleIsAnErrorNamingItWithLmodsMessage() {
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> lmod("lmod/load-unknown", BASE, "cuda/12.4", "nosuch"))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.LOAD_FAILED);
				assertThat(ex.system()).isEqualTo(ModuleSystemKind.LMOD);
				// Lmod loads nothing when one module fails, so both are "not loaded".
				assertThat(ex.modules()).containsExactly("cuda/12.4", "nosuch");
				assertThat(ex.toolMessage()).contains("The following module(s) are unknown:", "\"nosuch\"");
				assertThat(ex.getMessage()).startsWith("Lmod 8.6.19 could not load cuda/12.4, nosuch (exit code 1, status failure");
			});
	}

	@Test
	void lmodBrokenModulefileAndConflictAreErrors() {
		assertThatExceptionOfType(ModuleException.class).isThrownBy(() -> lmod("lmod/load-broken", BASE, "broken"))
			.satisfies((ex) -> {
				assertThat(ex.modules()).containsExactly("broken");
				assertThat(ex.toolMessage()).contains("broken on purpose");
			});
		assertThatExceptionOfType(ModuleException.class).isThrownBy(() -> lmod("lmod/load-conflict", BASE, "cuda", "other"))
			.satisfies((ex) -> assertThat(ex.toolMessage()).contains("Cannot load module \"other/1.0\"", "cuda"));
	}

	@Test
	void lmodsSilentFamilySwapIsCaughtByTheLoadedList() {
		// exit 0 and _mlstatus = True, but cuda/11.8 was replaced by cuda/12.4
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> lmod("lmod/load-family-swap", BASE, "cuda/11.8", "cuda/12.4"))
			.satisfies((ex) -> {
				assertThat(ex.modules()).containsExactly("cuda/11.8");
				assertThat(ex.getMessage()).isEqualTo("Lmod 8.6.19 reported success but did not load cuda/11.8 "
						+ "(exit code 0, status success, loaded afterwards: cuda/12.4)");
			});
	}

	@Test
	void environmentModulesPartialEnvironmentIsNeverReturned() {
		// exit code 0 and cuda/12.4's environment, but the status line says it failed
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> environmentModules("envmodules/load-unknown", BASE, "cuda/12.4", "nosuch"))
			.satisfies((ex) -> {
				assertThat(ex.modules()).containsExactly("nosuch");
				assertThat(ex.toolMessage()).isEqualTo("ERROR: Unable to locate a modulefile for 'nosuch'");
				assertThat(ex.getMessage()).isEqualTo("Environment Modules 5.2.0 could not load nosuch (exit code 0, "
						+ "status failure, loaded afterwards: cuda/12.4): ERROR: Unable to locate a modulefile for 'nosuch'");
			});
	}

	@Test
	void environmentModulesBrokenModulefileAndConflictAreErrors() {
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> environmentModules("envmodules/load-broken", BASE, "broken"))
			.satisfies((ex) -> {
				assertThat(ex.modules()).containsExactly("broken");
				assertThat(ex.toolMessage()).contains("Module ERROR: broken on purpose");
			});
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> environmentModules("envmodules/load-conflict", BASE, "cuda", "other"))
			.satisfies((ex) -> {
				assertThat(ex.modules()).containsExactly("other");
				assertThat(ex.toolMessage()).contains("Conflicting cuda is loaded");
			});
	}

	@Test
	void environmentModulesNoOpLoadIsASuccessWithoutChanges() {
		Map<String, String> base = Map.of("PATH", "/usr/bin:/bin", "LOADEDMODULES", "cuda/12.4");
		EnvironmentChange change = environmentModules("envmodules/load-already-loaded", base, "cuda/12.4");
		assertThat(change.set()).isEmpty();
		assertThat(change.unset()).isEmpty();
		assertThat(change.resolved()).containsExactly("cuda/12.4");
	}

	@Test
	void emptyOutputIsNoSuccessWhenTheModuleIsNotLoaded() {
		ToolResult silent = new ToolResult(List.of("x"), 0, "", "");
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> LoadCheck.verify(ModuleSystemKind.ENVIRONMENT_MODULES, "5.2.0", specs("cuda"), BASE, silent,
					EnvironmentModulesShOutput.parse("")))
			.withMessage("Environment Modules 5.2.0 reported success but did not load cuda "
					+ "(exit code 0, status none, loaded afterwards: none)");
	}

	@Test
	void aNonZeroExitCodeFailsEvenWithSuccessStatus() {
		ToolResult result = new ToolResult(List.of("x"), 2, "LOADEDMODULES=m/1; export LOADEDMODULES;\ntest 0;\n", "");
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> LoadCheck.verify(ModuleSystemKind.ENVIRONMENT_MODULES, "5.2.0", specs("m/1"), BASE, result,
					EnvironmentModulesShOutput.parse(result.stdout())))
			.withMessageContaining("could not load m/1 (exit code 2, status success")
			.withMessageEndingWith("; it gave no message");
	}

	@Test
	void resolvesPartialAndSymbolicVersionsButNeverAnotherNumber() {
		List<String> loaded = List.of("cuda/12.4", "gcc/12.2.0", "python/3.11");
		assertThat(LoadCheck.resolve(specs("cuda/12", "gcc", "python/default"), loaded, Set.of(), Map.of()))
			.containsExactly("cuda/12.4", "gcc/12.2.0", "python/3.11");
		assertThat(LoadCheck.resolve(specs("cuda/11.8", "cuda/1", "gcc/12.2"), loaded, Set.of(), Map.of()))
			.containsExactly(null, null, "gcc/12.2.0");
		// one loaded module answers one request only
		assertThat(LoadCheck.resolve(specs("cuda", "cuda/latest"), List.of("cuda/12.4"), Set.of(), Map.of()))
			.containsExactly("cuda/12.4", null);
		// a symbolic version prefers a module this load added over one loaded before
		assertThat(LoadCheck.resolve(specs("mpi/stable"), List.of("mpi/1", "mpi/2"), Set.of("mpi/2"), Map.of()))
			.containsExactly("mpi/1");
	}

	@Test
	void resolvesEnvironmentModulesAlternativeNames() {
		Map<String, Set<String>> alt = LoadCheck.altNames("cuda/12.4&as|cuda/default&as|cuda/latest:foo/2&fooalias");
		assertThat(alt).containsEntry("cuda/12.4", Set.of("cuda/default", "cuda/latest"));
		assertThat(LoadCheck.resolve(specs("fooalias", "cuda/latest"), List.of("cuda/12.4", "foo/2"), Set.of(), alt))
			.containsExactly("foo/2", "cuda/12.4");
	}

	private static EnvironmentChange lmod(String captured, Map<String, String> base, String... modules) {
		ToolResult result = Captured.result(captured);
		return LoadCheck.verify(ModuleSystemKind.LMOD, "8.6.19", specs(modules), base, result,
				LmodPythonOutput.parse(result.stdout()));
	}

	private static EnvironmentChange environmentModules(String captured, Map<String, String> base, String... modules) {
		ToolResult result = Captured.result(captured);
		return LoadCheck.verify(ModuleSystemKind.ENVIRONMENT_MODULES, "5.2.0", specs(modules), base, result,
				EnvironmentModulesShOutput.parse(result.stdout()));
	}

	private static List<ModuleSpec> specs(String... names) {
		return Arrays.stream(names).map(ModuleSpec::of).toList();
	}

}
