package org.portico.kerneltools;

import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.portico.envmodules.ToolLocation;

/**
 * Kernels with Environment Modules (Tcl modulefiles), started by a real Jupyter server.
 */
@Tag("jupyter")
@Tag("modules")
class EnvironmentModulesJupyterKernelTests extends JupyterKernelCompatibilityKit {

	@Override
	ToolLocation location() {
		return Fixtures.environmentModules();
	}

	@Override
	Path modulePath(Path fixtureRoot) {
		return fixtureRoot.resolve("tcl");
	}

	@Override
	String systemLabel() {
		return "environment-modules";
	}

	@Override
	void writeModule(Path tree, String name, String version, String variable, String value) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version), "#%Module1.0\nsetenv " + variable + " " + value + "\n");
	}

	@Override
	void writeBrokenModule(Path tree, String name, String version, String message) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version), "#%Module1.0\nerror \"" + message + "\"\n");
	}

}
