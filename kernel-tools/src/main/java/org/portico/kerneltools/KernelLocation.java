package org.portico.kerneltools;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code kernels} folder Jupyter reads kernelspecs from: the user's own, or a shared one for a
 * class or a group.
 *
 * @param kernelsDir the folder that holds one sub-folder per kernel, absolute
 * @param shared whether other users read it (its kernels are made readable to the folder's group,
 * and to everybody if the folder is)
 */
public record KernelLocation(Path kernelsDir, boolean shared) {

	/**
	 * Checks the folder's form.
	 * @throws IllegalArgumentException if it is not absolute or has a refused character
	 */
	public KernelLocation {
		kernelsDir = UserPaths.checkAbsolute("kernels folder", kernelsDir);
	}

	/**
	 * The user's own kernels, where Jupyter looks first: {@code $JUPYTER_DATA_DIR/kernels}, else
	 * {@code $XDG_DATA_HOME/jupyter/kernels}, else {@code ~/.local/share/jupyter/kernels} (Jupyter's
	 * rule on Linux).
	 * @param environment the user's environment
	 * @param home the user's home folder
	 * @return the location
	 */
	public static KernelLocation personal(Map<String, String> environment, Path home) {
		String dataDir = environment.get("JUPYTER_DATA_DIR");
		if (dataDir != null && !dataDir.isBlank()) {
			return new KernelLocation(Path.of(dataDir).resolve("kernels"), false);
		}
		String xdg = environment.get("XDG_DATA_HOME");
		if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
			return new KernelLocation(Path.of(xdg, "jupyter", "kernels"), false);
		}
		return new KernelLocation(home.resolve(".local/share/jupyter/kernels"), false);
	}

	/**
	 * A shared Jupyter data folder, such as {@code /shared/class101}: its kernels go into
	 * {@code DIR/kernels}, and users see them by adding {@code DIR} to {@code JUPYTER_PATH}.
	 * @param dataDir the shared folder
	 * @return the location
	 */
	public static KernelLocation shared(Path dataDir) {
		Objects.requireNonNull(dataDir, "dataDir");
		return new KernelLocation(dataDir.resolve("kernels"), true);
	}

	/**
	 * The folder of one kernel.
	 * @param name the kernel's name
	 * @return {@code kernelsDir/name}
	 */
	public Path directoryOf(KernelName name) {
		return this.kernelsDir.resolve(name.value());
	}

}
