package org.portico.kerneltools;

import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.portico.envmodules.ToolLocation;

/**
 * Kernels with Lmod modules (Lua modulefiles), started by a real Jupyter server.
 */
@Tag("jupyter")
@Tag("modules")
class LmodJupyterKernelTests extends JupyterKernelCompatibilityKit {

	@Override
	ToolLocation location() {
		return Fixtures.lmod();
	}

	@Override
	Path modulePath(Path fixtureRoot) {
		return fixtureRoot.resolve("lua");
	}

	@Override
	String systemLabel() {
		return "lmod";
	}

	@Override
	void writeModule(Path tree, String name, String version, String variable, String value) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version + ".lua"), "setenv(\"" + variable + "\", \"" + value + "\")\n");
	}

	@Override
	void writeBrokenModule(Path tree, String name, String version, String message) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version + ".lua"), "LmodError(\"" + message + "\")\n");
	}

}
