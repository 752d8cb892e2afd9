package org.portico.kerneltools;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.envmodules.ModuleSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Everything a user types is checked before anything runs or is written: kernel names, display
 * names, module strings, paths and pyenv versions. Hostile values (shell characters, {@code ..},
 * spaces, control characters, very long) are refused with a message that quotes them safely.
 */
class ValidationTests {

	private static final PythonEnvironment VENV = new PythonEnvironment.Virtualenv(Path.of("/home/u/venvs/ml"));

	@ParameterizedTest
	@ValueSource(strings = { "ml", "0", "py3.11", "cuda-12.4_ml", "a..b" })
	void acceptsPlainKernelNames(String name) {
		assertThat(KernelName.of(name).value()).isEqualTo(name);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "..", ".", "../etc", "a/b", "a b", "x;rm -rf ~", "$(id)", "`id`", "-rf", "_x", ".hidden",
			"a\nb", "ml\u202e", "ﬁ", "a'b", "a\"b", "{connection_file}" })
	void refusesHostileKernelNames(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> KernelName.of(name))
			.withMessageStartingWith("kernel name \"")
			.withMessageContaining("refused")
			.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("\n", "\u202e"));
	}

	@Test
	void saysWhyAKernelNameIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> KernelName.of("x".repeat(65)))
			.withMessageContaining("longer than 64")
			.withMessageContaining("(65 characters)");
		assertThatIllegalArgumentException().isThrownBy(() -> KernelName.of("ML")).withMessageContaining("use lower case (ml)");
		assertThat(KernelName.of("x".repeat(64)).value()).hasSize(64);
	}

	@ParameterizedTest
	@ValueSource(strings = { "cuda;touch x", "$(id)", "../cuda", "cuda/../../etc", "cuda 12", "-cuda", "cuda/-x", "/abs",
			"cuda//12", "cu`da`", "cuda\n", "cuda|x" })
	void refusesHostileModuleStringsThroughModuleSpec(String module) {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of(module)).withMessageContaining("refused");
	}

	@Test
	void refusesAVeryLongModuleStringAndTooManyModules() {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of("m/" + "1".repeat(300)))
			.withMessageContaining("longer than 200");
		List<ModuleSpec> many = java.util.stream.IntStream.range(0, 33).mapToObj((i) -> ModuleSpec.of("m" + i)).toList();
		assertThatIllegalArgumentException().isThrownBy(() -> KernelRequest.of(KernelName.of("ml"), null, many, VENV))
			.withMessageContaining("at most 32 modules");
	}

	@Test
	void refusesAModuleNamedTwice() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> KernelRequest.of(KernelName.of("ml"), null,
					List.of(ModuleSpec.of("cuda"), ModuleSpec.of("cuda")), VENV))
			.withMessageContaining("named twice");
	}

	@Test
	void makesUpADisplayNameAndBoundsIt() {
		KernelRequest request = KernelRequest.of(KernelName.of("ml"), null,
				List.of(ModuleSpec.of("cuda/12.4"), ModuleSpec.of("python/3.11")), VENV);
		assertThat(request.displayName()).isEqualTo("ml (cuda/12.4, python/3.11, venv ml)");

		List<ModuleSpec> long_ = java.util.stream.IntStream.range(0, 20)
			.mapToObj((i) -> ModuleSpec.of("module" + i + "/1.0"))
			.toList();
		assertThat(KernelRequest.of(KernelName.of("ml"), "  ", long_, VENV).displayName()).hasSize(100).endsWith("...)");
	}

	@ParameterizedTest
	@ValueSource(strings = { "line\nbreak", "tab\there", "bell\u0007", "rtl\u202eoverride", "zero\u200bwidth" })
	void refusesDisplayNamesWithControlOrInvisibleCharacters(String display) {
		assertThatIllegalArgumentException().isThrownBy(() -> KernelRequest.of(KernelName.of("ml"), display, List.of(), VENV))
			.withMessageContaining("control or invisible character")
			.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("\n", "\u0007", "\u202e"));
	}

	@Test
	void keepsPrintableDisplayNamesIncludingShellCharacters() {
		// The display name only ever goes into kernel.json, JSON-escaped: no shell sees it.
		KernelRequest request = KernelRequest.of(KernelName.of("ml"), " Deep learning (GPU) $HOME 'ü' \uD83D\uDE80 ", List.of(),
				VENV);
		assertThat(request.displayName()).isEqualTo("Deep learning (GPU) $HOME 'ü' \uD83D\uDE80");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> KernelRequest.of(KernelName.of("ml"), "lone \uD83D surrogate", List.of(), VENV))
			.withMessageContaining("invisible");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> KernelRequest.of(KernelName.of("ml"), "x".repeat(101), List.of(), VENV))
			.withMessageContaining("longer than 100");
	}

	@Test
	void expandsHomeAndResolvesRelativePaths() {
		UserPaths paths = new UserPaths(Path.of("/home/u"), Path.of("/work/dir"));

		assertThat(paths.resolve("virtualenv", "~")).isEqualTo(Path.of("/home/u"));
		assertThat(paths.resolve("virtualenv", "~/venvs/ml")).isEqualTo(Path.of("/home/u/venvs/ml"));
		assertThat(paths.resolve("virtualenv", "~/venvs/../envs/./ml")).isEqualTo(Path.of("/home/u/envs/ml"));
		assertThat(paths.resolve("virtualenv", "venvs/ml")).isEqualTo(Path.of("/work/dir/venvs/ml"));
		assertThat(paths.resolve("virtualenv", "/opt/envs/with space")).isEqualTo(Path.of("/opt/envs/with space"));
	}

	@Test
	void refusesPathsThatLeaveHomeOrCarryDangerousCharacters() {
		UserPaths paths = new UserPaths(Path.of("/home/u"), Path.of("/work"));

		assertThatIllegalArgumentException().isThrownBy(() -> paths.resolve("virtualenv", "~/../bob/venv"))
			.withMessage("virtualenv \"~/../bob/venv\" refused: it leaves the home folder");
		assertThatIllegalArgumentException().isThrownBy(() -> paths.resolve("virtualenv", "~bob/venv"))
			.withMessageContaining("only ~ and ~/...");
		assertThatIllegalArgumentException().isThrownBy(() -> paths.resolve("virtualenv", "/opt/a:b"))
			.withMessageContaining("':' is not allowed");
		assertThatIllegalArgumentException().isThrownBy(() -> paths.resolve("virtualenv", "/opt/{connection_file}"))
			.withMessageContaining("placeholder");
		assertThatIllegalArgumentException().isThrownBy(() -> paths.resolve("virtualenv", "/opt/a\nb"))
			.withMessageContaining("control or invisible")
			.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("\n"));
		assertThatIllegalArgumentException().isThrownBy(() -> paths.resolve("virtualenv", ""))
			.withMessageContaining("empty");
		assertThatIllegalArgumentException().isThrownBy(() -> paths.resolve("virtualenv", "/" + "a".repeat(1100)))
			.withMessageContaining("longer than 1024");
	}

	@Test
	void environmentsCheckTheirForm() {
		assertThatIllegalArgumentException().isThrownBy(() -> new PythonEnvironment.Virtualenv(Path.of("venvs/ml")))
			.withMessageContaining("not absolute");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PythonEnvironment.PyenvVersion(Path.of("/home/u/.pyenv"), "../../etc"))
			.withMessageContaining("pyenv version");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PythonEnvironment.PyenvVersion(Path.of("/home/u/.pyenv"), "3.11;id"));
		assertThatIllegalArgumentException().isThrownBy(() -> new PythonEnvironment.Interpreter(Path.of("perl")))
			.withMessageContaining("not absolute");
		assertThat(new PythonEnvironment.Interpreter(Path.of("python3.11")).isBareName()).isTrue();
		assertThat(new PythonEnvironment.PyenvVersion(Path.of("/home/u/.pyenv"), "3.11.7").python())
			.isEqualTo(Path.of("/home/u/.pyenv/versions/3.11.7/bin/python"));
	}

	@Test
	void quotesCommandsForPeopleSoThatAShellGivesBackTheSameWords() throws Exception {
		List<String> argv = List.of("/home/u/it's a venv/bin/python", "-m", "pip", "install", "ipykernel", "$(id)", "`x`",
				"a\"b", "", "back\\slash");

		String line = Texts.commandLine(argv);

		assertThat(line).startsWith("'/home/u/it'\\''s a venv/bin/python' -m pip install ipykernel '$(id)'");
		Fixtures.Result result = Fixtures.run(List.of("/bin/sh", "-c", "printf '%s\\n' " + line),
				java.util.Map.of("PATH", "/usr/bin:/bin"), java.time.Duration.ofSeconds(10));
		assertThat(result.stdout()).isEqualTo(String.join("\n", argv) + "\n");
	}

}
