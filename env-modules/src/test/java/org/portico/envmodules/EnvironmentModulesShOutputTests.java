package org.portico.envmodules;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;

class EnvironmentModulesShOutputTests {

	private static final String TREE = Captured.TREE;

	@Test
	void readsASuccessfulLoad() {
		LoadOutput out = EnvironmentModulesShOutput.parse(Captured.stdout("envmodules/load-cuda-python"));

		assertThat(out.status()).isEqualTo(LoadOutput.Status.SUCCESS);
		assertThat(out.set()).contains(entry("CUDA_HOME", TREE + "/fakeroot/cuda-12.4"),
				entry("LOADEDMODULES", "cuda/12.4:python/3.11"),
				entry("_LMFILES_", TREE + "/tcl/cuda/12.4:" + TREE + "/tcl/python/3.11"),
				entry("PATH", TREE + "/fakeroot/cuda-12.4/bin:/usr/bin:/bin"), entry("PYTHON_VERSION", "3.11"),
				entry("__MODULES_LMCONFLICT", "cuda/12.4&cuda"));
		assertThat(out.unset()).isEmpty();
		assertThat(out.ignoredStatements()).isZero();
	}

	@Test
	void unescapesValuesAndSkipsAliasesAndFunctions() {
		LoadOutput out = EnvironmentModulesShOutput.parse(Captured.stdout("envmodules/load-quoting"));

		assertThat(out.set()).contains(entry("Q_QUOTES", "it's \"quoted\""),
				entry("Q_SHELL", "a;b $HOME `x` | & < > ( ) * ? ! # ~ ="), entry("Q_BACKSLASH", "ends with \\\\"),
				entry("Q_NEWLINE", "line1\nline2"), entry("Q_TAB", "a\tb"), entry("Q_UNICODE", "café ☃"),
				entry("Q_EMPTY", ""));
		assertThat(out.unset()).containsExactly("Q_GONE");
		// alias q_alias=...; and q_function () { ...; };
		assertThat(out.ignoredStatements()).isEqualTo(2);
		assertThat(out.set().keySet()).noneMatch((name) -> name.contains("q_alias") || name.contains("q_function"));
		assertThat(out.status()).isEqualTo(LoadOutput.Status.SUCCESS);
	}

	@Test
	void thePythonRenderingIsAmbiguousWhichIsWhyShIsRead() {
		// Recorded evidence for the choice of "sh": the python rendering of the same value
		// (two backslashes) shows them raw, which Python itself would read as one.
		assertThat(Captured.stdout("envmodules/load-quoting-python")).contains("os.environ['Q_BACKSLASH'] = 'ends with \\\\'");
	}

	@Test
	void readsPartialEnvironmentAndFailureStatusOfAFailedLoad() {
		// Environment Modules exits 0 and prints what it did load before failing.
		LoadOutput out = EnvironmentModulesShOutput.parse(Captured.stdout("envmodules/load-unknown"));
		assertThat(Captured.result("envmodules/load-unknown").exitCode()).isZero();
		assertThat(out.status()).isEqualTo(LoadOutput.Status.FAILURE);
		assertThat(out.set()).containsEntry("LOADEDMODULES", "cuda/12.4");

		assertThat(EnvironmentModulesShOutput.parse(Captured.stdout("envmodules/load-conflict")).status())
			.isEqualTo(LoadOutput.Status.FAILURE);
		assertThat(EnvironmentModulesShOutput.parse(Captured.stdout("envmodules/load-broken")).status())
			.isEqualTo(LoadOutput.Status.FAILURE);
	}

	@Test
	void aLoadThatChangesNothingPrintsNothing() {
		assertThat(Captured.stdout("envmodules/load-already-loaded")).isEmpty();
		LoadOutput out = EnvironmentModulesShOutput.parse("");
		assertThat(out.status()).isEqualTo(LoadOutput.Status.ABSENT);
		assertThat(out.set()).isEmpty();
	}

	@Test
	void countsAssignmentLookalikesAsIgnored() {
		LoadOutput out = EnvironmentModulesShOutput.parse("A=1; export B;\nsp ace=2; export sp ace;\nC=x\\;y; export C;\ntest 0;\n");
		assertThat(out.set()).containsOnly(entry("sp ace", "2"), entry("C", "x;y"));
		assertThat(out.ignoredStatements()).isEqualTo(1);
	}

	@Test
	void refusesOutputAfterTheStatusLine() {
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> EnvironmentModulesShOutput.parse("A=1; export A;\ntest 0;\nB=2; export B;\n"))
			.withMessageContaining("after its status line");
	}

}
