package org.portico.envmodules;

/**
 * The module systems Portico knows how to drive.
 */
public enum ModuleSystemKind {

	/** Lmod, the Lua implementation from TACC ({@code $LMOD_CMD}, usually {@code .../libexec/lmod}). */
	LMOD("Lmod"),

	/** Environment Modules 4.x/5.x, the Tcl implementation ({@code modulecmd.tcl}). */
	ENVIRONMENT_MODULES("Environment Modules");

	private final String displayName;

	ModuleSystemKind(String displayName) {
		this.displayName = displayName;
	}

	/**
	 * The name users know the tool by, for messages.
	 * @return "Lmod" or "Environment Modules"
	 */
	public String displayName() {
		return this.displayName;
	}

}
