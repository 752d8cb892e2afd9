package org.portico.envmodules;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LmodSpiderOutputTests {

	private static final String TREE = Captured.TREE;

	@Test
	void readsLuaModulesWithDescriptionsAndWhatis() {
		List<AvailableModule> modules = LmodSpiderOutput.parse(Captured.stdout("lmod/spider-page-lua"),
				Captured.stdout("lmod/spider-db-lua"));
		Catalogue catalogue = new Catalogue(ModuleSystemKind.LMOD, List.of(TREE + "/lua"), modules, java.time.Instant.EPOCH);

		assertThat(catalogue.modules()).extracting(AvailableModule::name)
			.containsExactly("broken", "cuda", "other", "python", "quoting");
		AvailableModule cuda = catalogue.module("cuda").orElseThrow();
		assertThat(cuda.versions()).extracting(ModuleVersion::fullName).containsExactly("cuda/11.8", "cuda/12.4");
		// No marked default in the Lua tree: Lmod picks the highest version.
		assertThat(cuda.defaultVersion()).isEqualTo("cuda/12.4");
		assertThat(cuda.description()).isEqualTo("fake CUDA toolkit for tests");
		ModuleVersion v124 = cuda.version("cuda/12.4").orElseThrow();
		assertThat(v124.version()).isEqualTo("12.4");
		assertThat(v124.modulefile()).isEqualTo(TREE + "/lua/cuda/12.4.lua");
		assertThat(v124.whatis()).containsExactly("Name: cuda", "Version: 12.4", "Description: fake CUDA toolkit for tests");
		assertThat(v124.isDefault()).isTrue();
		assertThat(cuda.version("cuda/11.8").orElseThrow().isDefault()).isFalse();
		assertThat(catalogue.module("python").orElseThrow().description()).isEqualTo("Debian python3.11");
		assertThat(catalogue.lists(ModuleSpec.of("cuda/12.4"))).isTrue();
		assertThat(catalogue.lists(ModuleSpec.of("cuda"))).isTrue();
		assertThat(catalogue.lists(ModuleSpec.of("cuda/9.0"))).isFalse();
	}

	@Test
	void readsTclModulesWithAnExplicitDefaultAndDescribesThemFromWhatis() {
		List<AvailableModule> modules = LmodSpiderOutput.parse(Captured.stdout("lmod/spider-page-tcl"),
				Captured.stdout("lmod/spider-db-tcl"));

		AvailableModule cuda = modules.stream().filter((m) -> m.name().equals("cuda")).findFirst().orElseThrow();
		// cuda/.version says 11.8
		assertThat(cuda.defaultVersion()).isEqualTo("cuda/11.8");
		// Lmod gives no description for "Name: ..; Description: .." in one line; Portico derives it.
		assertThat(cuda.description()).isEqualTo("fake CUDA toolkit for tests");
		assertThat(cuda.version("cuda/11.8").orElseThrow().whatis())
			.containsExactly("Name: cuda; Version: 11.8; Description: fake CUDA toolkit for tests");
	}

	@Test
	void refusesOutputThatIsNotTheSpiderJson() {
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> LmodSpiderOutput.parse("Lmod has detected the following error", "{}"))
			.withMessageContaining("jsonSoftwarePage output is not JSON");
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> LmodSpiderOutput.parse("{}", "{}"))
			.withMessageContaining("not a JSON array");
	}

}
