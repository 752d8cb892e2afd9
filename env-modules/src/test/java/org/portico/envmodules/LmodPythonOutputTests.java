package org.portico.envmodules;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;

class LmodPythonOutputTests {

	private static final String TREE = Captured.TREE;

	@Test
	void readsASuccessfulLoad() {
		LoadOutput out = LmodPythonOutput.parse(Captured.stdout("lmod/load-cuda-python"));

		assertThat(out.status()).isEqualTo(LoadOutput.Status.SUCCESS);
		assertThat(out.set()).contains(entry("CUDA_HOME", TREE + "/fakeroot/cuda-12.4"),
				entry("LOADEDMODULES", "cuda/12.4:python/3.11"),
				entry("_LMFILES_", TREE + "/lua/cuda/12.4.lua:" + TREE + "/lua/python/3.11.lua"),
				entry("PATH", "/usr/bin:" + TREE + "/fakeroot/cuda-12.4/bin:/bin"), entry("PYTHON_VERSION", "3.11"),
				entry("LMOD_FAMILY_CUDA", "cuda"));
		assertThat(out.set()).containsKeys("_ModuleTable001_", "_ModuleTable_Sz_", "__LMOD_REF_COUNT_PATH");
		assertThat(out.unset()).isEmpty();
		assertThat(out.ignoredStatements()).isZero();
	}

	@Test
	void decodesLuaQuotedValues() {
		LoadOutput out = LmodPythonOutput.parse(Captured.stdout("lmod/load-quoting"));

		assertThat(out.set()).contains(entry("Q_QUOTES", "it's \"quoted\""),
				entry("Q_SHELL", "a;b $HOME `x` | & < > ( ) * ? ! # ~ ="), entry("Q_BACKSLASH", "ends with \\\\"),
				entry("Q_NEWLINE", "line1\nline2"), entry("Q_TAB", "a\tb"), entry("Q_UNICODE", "café ☃"),
				entry("Q_EMPTY", ""));
		assertThat(out.set()).doesNotContainKey("Q_GONE");
		assertThat(out.unset()).containsExactly("Q_GONE");
		assertThat(out.status()).isEqualTo(LoadOutput.Status.SUCCESS);
	}

	@Test
	void readsTheFailureStatusOfAFailedLoad() {
		for (String failed : new String[] { "lmod/load-unknown", "lmod/load-broken", "lmod/load-conflict" }) {
			LoadOutput out = LmodPythonOutput.parse(Captured.stdout(failed));
			assertThat(out.status()).as(failed).isEqualTo(LoadOutput.Status.FAILURE);
			assertThat(out.set()).as(failed).isEmpty();
		}
	}

	@Test
	void decodesDecimalEscapesUpToThreeDigits() {
		LoadOutput out = LmodPythonOutput.parse("os.environ[\"X\"] = \"a\\0011\\13b\\127\";\n");
		assertThat(out.set()).containsExactly(entry("X", "a\u00011\rb\u007f"));
		assertThat(out.status()).isEqualTo(LoadOutput.Status.ABSENT);
	}

	@Test
	void refusesLmodsHelpTextForAnUnknownShell() {
		// Lmod 8.6 has no "json" shell: it prints "false" and its help, and exits 1.
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> LmodPythonOutput.parse(Captured.stdout("lmod/load-json-shell")))
			.withMessageContaining("unexpected Lmod output at \"false\"");
	}

	@Test
	void refusesAnythingThatIsNotAnLmodStatement() {
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> LmodPythonOutput.parse("import os\nos.system('id')\n"))
			.withMessageContaining("os.system");
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> LmodPythonOutput.parse("os.environ[\"X\"] = \"unterminated;\n"))
			.withMessageContaining("unterminated string");
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> LmodPythonOutput.parse("os.environ[\"X\"] = \"a\"; trailing\n"))
			.withMessageContaining("end of the line");
	}

}
