package org.portico.kerneltools;

import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.portico.envmodules.ToolLocation;

/**
 * The kernel compatibility kit against the real Lmod, reading Lua modulefiles.
 */
@Tag("modules")
class LmodKernelTests extends KernelModulesCompatibilityKit {

	@Override
	ToolLocation location() {
		return Fixtures.lmod();
	}

	@Override
	Path modulePath(Path fixtureRoot) {
		return fixtureRoot.resolve("lua");
	}

	@Override
	void writeModule(Path tree, String name, String version, String variable, String value) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version + ".lua"), "setenv(\"" + variable + "\", \"" + value + "\")\n");
	}

	@Override
	void writeBrokenModule(Path tree, String name, String version, String message) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version + ".lua"), "LmodError(\"" + message + "\")\n");
	}

	@Override
	String systemLabel() {
		return "lmod";
	}

}
