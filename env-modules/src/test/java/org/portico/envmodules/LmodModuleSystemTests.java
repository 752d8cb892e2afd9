package org.portico.envmodules;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compatibility kit against the real Lmod, reading the Lua modulefiles, plus Tcl modulefiles
 * read by Lmod.
 */
@Tag("modules")
class LmodModuleSystemTests extends ModuleSystemCompatibilityKit {

	@Override
	ToolLocation location() {
		return ModulesFixture.lmod();
	}

	@Override
	Path modulePath(Path fixtureRoot) {
		return fixtureRoot.resolve("lua");
	}

	@Override
	void writeFreshModule(Path dir) throws IOException {
		ModulesFixture.write(dir.resolve("fresh/1.0.lua"), "whatis(\"Description: added later\")\nsetenv(\"FRESH\", \"1\")\n");
	}

	@Test
	void readsTclModulefilesToo() {
		ModuleSystem tcl = this.system.withOptions(this.system.options().withModulePath(List.of(this.root.resolve("tcl"))));

		EnvironmentChange change = tcl.load(List.of(ModuleSpec.of("cuda"), ModuleSpec.of("python")), this.base);
		Catalogue catalogue = tcl.catalogue();

		assertThat(change.resolved()).containsExactly("cuda/12.4", "python/3.11");
		assertThat(change.set()).containsEntry("CUDA_HOME", this.root.resolve("fakeroot/cuda-12.4").toString());
		// Lmod gives no description for a one-line "Name: ..; Description: .." whatis; Portico derives it.
		assertThat(catalogue.module("cuda").orElseThrow().description()).isEqualTo("fake CUDA toolkit for tests");
	}

	@Test
	void findsSpiderNextToTheRealLmodWhenGivenALink() throws IOException {
		Path link = java.nio.file.Files.createSymbolicLink(this.root.resolve("lmod-link"), location().command());
		ModuleSystem linked = ModuleSystem.of(new ToolLocation(ModuleSystemKind.LMOD, link), this.system.options());

		assertThat(linked.catalogue().module("cuda")).isPresent();
	}

	@Test
	void familyMembersReplaceEachOtherWhichIsReportedAsAFailure() throws IOException {
		ModulesFixture.write(this.root.resolve("family/cuda/11.8.lua"), "family(\"cuda\")\nsetenv(\"CUDA_V\", \"11.8\")\n");
		ModulesFixture.write(this.root.resolve("family/cuda/12.4.lua"), "family(\"cuda\")\nsetenv(\"CUDA_V\", \"12.4\")\n");
		ModuleSystem family = this.system
			.withOptions(this.system.options().withModulePath(List.of(this.root.resolve("family"))));

		org.assertj.core.api.Assertions.assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> family.load(List.of(ModuleSpec.of("cuda/11.8"), ModuleSpec.of("cuda/12.4")), this.base))
			.satisfies((ex) -> {
				assertThat(ex.modules()).containsExactly("cuda/11.8");
				assertThat(ex.getMessage()).contains("reported success but did not load cuda/11.8",
						"loaded afterwards: cuda/12.4");
			});
	}

}
