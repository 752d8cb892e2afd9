package org.portico.kerneltools;

import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.portico.envmodules.ToolLocation;

/**
 * The kernel compatibility kit against the real Environment Modules ({@code modulecmd.tcl}),
 * reading Tcl modulefiles.
 */
@Tag("modules")
class EnvironmentModulesKernelTests extends KernelModulesCompatibilityKit {

	@Override
	ToolLocation location() {
		return Fixtures.environmentModules();
	}

	@Override
	Path modulePath(Path fixtureRoot) {
		return fixtureRoot.resolve("tcl");
	}

	@Override
	void writeModule(Path tree, String name, String version, String variable, String value) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version), "#%Module1.0\nsetenv " + variable + " " + value + "\n");
	}

	@Override
	void writeBrokenModule(Path tree, String name, String version, String message) throws Exception {
		Fixtures.write(tree.resolve(name).resolve(version), "#%Module1.0\nerror \"" + message + "\"\n");
	}

	@Override
	String systemLabel() {
		return "environment-modules";
	}

}
