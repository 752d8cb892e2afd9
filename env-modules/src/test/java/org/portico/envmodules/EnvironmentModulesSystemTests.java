package org.portico.envmodules;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compatibility kit against the real Environment Modules ({@code modulecmd.tcl}), reading
 * the Tcl modulefiles.
 */
@Tag("modules")
class EnvironmentModulesSystemTests extends ModuleSystemCompatibilityKit {

	@Override
	ToolLocation location() {
		return ModulesFixture.environmentModules();
	}

	@Override
	Path modulePath(Path fixtureRoot) {
		return fixtureRoot.resolve("tcl");
	}

	@Override
	void writeFreshModule(Path dir) throws IOException {
		ModulesFixture.write(dir.resolve("fresh/1.0"), "#%Module1.0\nmodule-whatis \"Description: added later\"\n");
	}

	@Test
	void ignoresLuaModulefiles() {
		ModuleSystem lua = this.system.withOptions(this.system.options().withModulePath(List.of(this.root.resolve("lua"))));

		assertThat(lua.catalogue().modules()).isEmpty();
	}

	@Test
	void picksTheExplicitDefaultVersion() throws IOException {
		Path tree = this.root.resolve("defaults");
		ModulesFixture.write(tree.resolve("app/1.0"), "#%Module1.0\nsetenv APP_V 1.0\n");
		ModulesFixture.write(tree.resolve("app/2.0"), "#%Module1.0\nsetenv APP_V 2.0\n");
		ModulesFixture.write(tree.resolve("app/.version"), "#%Module1.0\nset ModulesVersion \"1.0\"\n");
		ModuleSystem defaults = this.system.withOptions(this.system.options().withModulePath(List.of(tree)));

		EnvironmentChange change = defaults.load(List.of(ModuleSpec.of("app")), this.base);

		assertThat(change.resolved()).containsExactly("app/1.0");
		assertThat(change.set()).containsEntry("APP_V", "1.0");
		assertThat(defaults.catalogue().module("app").orElseThrow().defaultVersion()).isEqualTo("app/1.0");
	}

}
