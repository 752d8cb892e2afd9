package org.portico.kerneltools;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where {@link PythonDiscovery} looks.
 *
 * @param home the user's home folder
 * @param venvFolders folders whose sub-folders are virtualenvs
 * @param condaEnvironmentsFile conda's list of environments ({@code ~/.conda/environments.txt})
 * @param condaRc conda's configuration, read for {@code envs_dirs} ({@code ~/.condarc})
 * @param condaEnvsDirs further folders whose sub-folders are conda environments, and conda
 * installations that are themselves an environment
 * @param pyenvRoot pyenv's root ({@code $PYENV_ROOT}, else {@code ~/.pyenv})
 * @param modules whether to look for Pythons offered by modules (loads each {@code python*}
 * module once)
 * @param probeTimeout how long asking one Python for its version may take
 */
public record DiscoveryOptions(Path home, List<Path> venvFolders, Path condaEnvironmentsFile, Path condaRc,
		List<Path> condaEnvsDirs, Path pyenvRoot, boolean modules, Duration probeTimeout) {

	/** The default virtualenv folders, under the home folder. */
	public static final List<String> DEFAULT_VENV_FOLDERS = List.of("venvs", ".virtualenvs", "envs");

	/**
	 * Checks and copies the components.
	 */
	public DiscoveryOptions {
		Objects.requireNonNull(home, "home");
		venvFolders = List.copyOf(venvFolders);
		Objects.requireNonNull(condaEnvironmentsFile, "condaEnvironmentsFile");
		Objects.requireNonNull(condaRc, "condaRc");
		condaEnvsDirs = List.copyOf(condaEnvsDirs);
		Objects.requireNonNull(pyenvRoot, "pyenvRoot");
		Objects.requireNonNull(probeTimeout, "probeTimeout");
	}

	/**
	 * The usual places: {@code ~/venvs}, {@code ~/.virtualenvs} (and {@code $WORKON_HOME}),
	 * {@code ~/envs}; {@code ~/.conda/environments.txt}, {@code ~/.condarc}, {@code ~/.conda/envs}
	 * and the usual conda installations in the home folder; {@code $PYENV_ROOT} or
	 * {@code ~/.pyenv}; module Pythons; 10 s per version probe.
	 * @param environment the user's environment
	 * @param home the user's home folder
	 * @return the options
	 */
	public static DiscoveryOptions defaults(Map<String, String> environment, Path home) {
		List<Path> venvs = new ArrayList<>();
		DEFAULT_VENV_FOLDERS.forEach((folder) -> venvs.add(home.resolve(folder)));
		String workon = environment.get("WORKON_HOME");
		if (workon != null && Path.of(workon).isAbsolute() && !venvs.contains(Path.of(workon))) {
			venvs.add(Path.of(workon));
		}
		List<Path> conda = new ArrayList<>(List.of(home.resolve(".conda/envs")));
		for (String install : List.of("miniconda3", "anaconda3", "miniforge3", "mambaforge")) {
			conda.add(home.resolve(install));
			conda.add(home.resolve(install).resolve("envs"));
		}
		String pyenv = environment.get("PYENV_ROOT");
		Path pyenvRoot = (pyenv != null && Path.of(pyenv).isAbsolute()) ? Path.of(pyenv) : home.resolve(".pyenv");
		return new DiscoveryOptions(home, venvs, home.resolve(".conda/environments.txt"), home.resolve(".condarc"), conda,
				pyenvRoot, true, Duration.ofSeconds(10));
	}

	/**
	 * The same options with other virtualenv folders.
	 * @param folders the folders
	 * @return new options
	 */
	public DiscoveryOptions withVenvFolders(List<Path> folders) {
		return new DiscoveryOptions(this.home, folders, this.condaEnvironmentsFile, this.condaRc, this.condaEnvsDirs,
				this.pyenvRoot, this.modules, this.probeTimeout);
	}

	/**
	 * The same options with or without module Pythons.
	 * @param modules whether to look at modules
	 * @return new options
	 */
	public DiscoveryOptions withModules(boolean modules) {
		return new DiscoveryOptions(this.home, this.venvFolders, this.condaEnvironmentsFile, this.condaRc,
				this.condaEnvsDirs, this.pyenvRoot, modules, this.probeTimeout);
	}

}
