package org.portico.envmodules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ModuleSpecTests {

	@ParameterizedTest
	@ValueSource(strings = { "cuda", "cuda/12.4", "python/3.11", "gcc/12.2.0/openmpi/4.1.5", "intel-oneapi-mkl/2023.1.0",
			"py-numpy/1.26+mkl", "R/4.3_1", "cuda/default", "python/.3.12-hidden", "a" })
	void acceptsModuleNames(String name) {
		ModuleSpec spec = ModuleSpec.of(name);
		assertThat(spec.name()).isEqualTo(name);
		assertThat(spec).hasToString(name);
	}

	@Test
	void splitsModuleAndVersion() {
		assertThat(ModuleSpec.of("cuda/12.4").module()).isEqualTo("cuda");
		assertThat(ModuleSpec.of("cuda/12.4").hasVersion()).isTrue();
		assertThat(ModuleSpec.of("gcc/12/openmpi/4").module()).isEqualTo("gcc/12/openmpi");
		assertThat(ModuleSpec.of("cuda").module()).isEqualTo("cuda");
		assertThat(ModuleSpec.of("cuda").hasVersion()).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "cuda; rm -rf ~", "cuda && id", "$(id)", "`id`", "cuda|tee", "cuda>x", "a b", "cuda\nid",
			"cuda\t", "x'y", "x\"y", "cuda/12.4*", "~root", "mod@1.2", "a,b", "a:b", "é", "cuda\u0000" })
	void refusesShellCharacters(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of(name))
			.withMessageStartingWith("module name \"")
			.withMessageContaining("only letters, digits and . _ + - are allowed");
	}

	@ParameterizedTest
	@ValueSource(strings = { "..", "../etc/passwd", "cuda/../../etc", "cuda/.", "./cuda" })
	void refusesDotSegments(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of(name))
			.withMessageContaining("'.' and '..' are not module names");
	}

	@ParameterizedTest
	@ValueSource(strings = { "-f", "--help", "cuda/-x", "-" })
	void refusesOptionLikeParts(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of(name))
			.withMessageContaining("may not start with '-'");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/cuda", "cuda/", "cuda//12.4", "/" })
	void refusesEmptyParts(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of(name))
			.withMessageContaining("a slash may only separate two non-empty parts");
	}

	@Test
	void refusesEmptyName() {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of(""))
			.withMessage("module name \"\" refused: it is empty");
	}

	@Test
	void refusesVeryLongNamesAndQuotesThemShortened() {
		String justRight = "m/" + "1".repeat(ModuleSpec.MAX_LENGTH - 2);
		assertThat(ModuleSpec.of(justRight).name()).hasSize(ModuleSpec.MAX_LENGTH);
		String tooLong = justRight + "1";
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of(tooLong))
			.withMessageContaining("longer than 200 characters")
			.withMessageContaining("(201 characters)")
			.satisfies((ex) -> assertThat(ex.getMessage()).hasSizeLessThan(160));
	}

	@Test
	void quotesControlCharactersVisibly() {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.of("cuda\n\u001b[31mred"))
			.withMessageStartingWith("module name \"cuda\\u000a\\u001b[31mred\" refused");
	}

	@Test
	void parsesAListAsTyped() {
		assertThat(ModuleSpec.parseAll("  cuda/12.4 \t python  ")).containsExactly(ModuleSpec.of("cuda/12.4"),
				ModuleSpec.of("python"));
		assertThat(ModuleSpec.parseAll(" ")).isEmpty();
	}

	@Test
	void refusesAListWithOneHostileName() {
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.parseAll("cuda python;id"))
			.withMessageStartingWith("module name \"python;id\" refused");
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.parseAll("cuda\npython"))
			.withMessageStartingWith("module name \"cuda\\u000apython\" refused");
		assertThatIllegalArgumentException().isThrownBy(() -> ModuleSpec.parseAll("m ".repeat(33)))
			.withMessage("at most 32 modules can be loaded at once, not 33");
	}

	@Test
	void refusesNull() {
		org.assertj.core.api.Assertions.assertThatNullPointerException().isThrownBy(() -> ModuleSpec.of(null));
	}

}
