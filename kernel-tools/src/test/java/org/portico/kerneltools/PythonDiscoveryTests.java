package org.portico.kerneltools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.envmodules.ModuleException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Discovery on folders the test lays out: real venvs, conda environments listed three ways, pyenv
 * versions, and interpreters that are broken or hang.
 */
class PythonDiscoveryTests {

	@TempDir
	Path home;

	private PythonDiscovery discovery(DiscoveryOptions options) {
		return new PythonDiscovery(options, Fixtures.baseEnvironment(this.home), () -> {
			throw new ModuleException(ModuleException.Reason.NOT_INSTALLED, null, List.of(), "no modules here", "", null);
		});
	}

	private DiscoveryOptions options() {
		return DiscoveryOptions.defaults(Map.of(), this.home).withModules(false);
	}

	/** A stand-in interpreter that reports a version, like {@code python -c 'print(sys.version)'}. */
	private Path fakePrefix(Path prefix, String version) throws Exception {
		Fixtures.script(prefix.resolve("bin/python"), "echo '" + version + " (main, Jan 1 2024) [GCC 12.2.0]'\n");
		return prefix;
	}

	@Test
	void findsVenvsInTheDefaultFoldersWithTheVersionTheirPythonReports() throws Exception {
		Fixtures.venv(this.home.resolve("venvs/ml"), true);
		fakePrefix(this.home.resolve(".virtualenvs/old"), "3.8.18");
		Fixtures.write(this.home.resolve(".virtualenvs/old/bin/activate"), "# virtualenv < 20\n");
		fakePrefix(this.home.resolve("envs/not-a-venv"), "3.9.0");
		Files.createDirectories(this.home.resolve("venvs/empty"));

		List<DiscoveredPython> found = discovery(options()).discover();

		assertThat(found).extracting((p) -> p.environment(), DiscoveredPython::version, DiscoveredPython::source)
			.containsExactly(
					org.assertj.core.groups.Tuple.tuple(new PythonEnvironment.Virtualenv(this.home.resolve("venvs/ml")),
							pythonVersion(), "~/venvs"),
					org.assertj.core.groups.Tuple.tuple(new PythonEnvironment.Virtualenv(this.home.resolve(".virtualenvs/old")),
							"3.8.18", "~/.virtualenvs"));
		assertThat(found.get(0).createArguments()).containsExactly("--venv", this.home.resolve("venvs/ml").toString());
	}

	@Test
	void findsCondaEnvironmentsFromEnvironmentsTxtEnvsDirsAndTheDefaultFolder() throws Exception {
		Path listed = condaEnv(this.home.resolve("elsewhere/listed"), "3.10.4");
		Path viaCondarc = condaEnv(this.home.resolve("my-envs/torch"), "3.11.9");
		Path viaFlow = condaEnv(this.home.resolve("flow-envs/jax"), "3.12.1");
		Path viaDefault = condaEnv(this.home.resolve(".conda/envs/base-like"), "3.9.7");
		Path base = condaEnv(this.home.resolve("miniconda3"), "3.12.0");
		fakePrefix(this.home.resolve(".conda/envs/no-meta"), "3.9.0");
		Fixtures.write(this.home.resolve(".conda/environments.txt"),
				listed + "\n# a comment\n\n" + this.home.resolve("elsewhere/gone") + "\n");
		Fixtures.write(this.home.resolve(".condarc"), """
				channels:
				  - conda-forge
				envs_dirs:
				  - ~/my-envs   # mine
				  - "/nonexistent/envs"
				pkgs_dirs:
				  - ~/pkgs
				""");

		PythonDiscovery discovery = discovery(options());
		List<DiscoveredPython> found = discovery.discover();

		assertThat(found).extracting(DiscoveredPython::environment)
			.containsExactly(new PythonEnvironment.CondaEnv(listed), new PythonEnvironment.CondaEnv(viaCondarc),
					new PythonEnvironment.CondaEnv(viaDefault), new PythonEnvironment.CondaEnv(base));
		assertThat(found).extracting(DiscoveredPython::version).containsExactly("3.10.4", "3.11.9", "3.9.7", "3.12.0");
		assertThat(found.get(0).source()).isEqualTo("~/.conda/environments.txt");
		assertThat(discovery.condaByName("torch")).contains(viaCondarc);
		assertThat(discovery.condaByName("nope")).isEmpty();

		Fixtures.write(this.home.resolve(".condarc"), "envs_dirs: [~/flow-envs, '/x']\n");
		assertThat(discovery.condaByName("jax")).contains(viaFlow);
	}

	@Test
	void readsOnlyTheEnvsDirsKeyOfACondarc() {
		assertThat(PythonDiscovery.envsDirs(List.of("envs_dirs:", "  - /a", "- /b", "other:", "  - /c"))).containsExactly("/a",
				"/b");
		assertThat(PythonDiscovery.envsDirs(List.of("envs_dirs: [\"/a\", ~/b]"))).containsExactly("/a", "~/b");
		assertThat(PythonDiscovery.envsDirs(List.of("channels: [x]"))).isEmpty();
	}

	@Test
	void findsPyenvVersionsUnderPyenvRoot() throws Exception {
		Path root = this.home.resolve("tools/pyenv");
		fakePrefix(root.resolve("versions/3.11.7"), "3.11.7");
		fakePrefix(root.resolve("versions/3.12.1"), "3.12.1");
		Files.createDirectories(root.resolve("versions/broken-install"));

		List<DiscoveredPython> found = discovery(DiscoveryOptions.defaults(Map.of("PYENV_ROOT", root.toString()), this.home)
			.withModules(false)).discover();

		assertThat(found).extracting(DiscoveredPython::environment)
			.containsExactly(new PythonEnvironment.PyenvVersion(root, "3.11.7"), new PythonEnvironment.PyenvVersion(root, "3.12.1"));
		assertThat(found.get(1).createArguments()).containsExactly("--pyenv", "3.12.1", "--pyenv-root", root.toString());
	}

	@Test
	void reportsInterpretersThatFailOrHangInsteadOfWaitingForever() throws Exception {
		Fixtures.script(this.home.resolve("venvs/broken/bin/python"), "echo 'error while loading shared libraries' >&2\nexit 127\n");
		Fixtures.write(this.home.resolve("venvs/broken/pyvenv.cfg"), "home = /gone\n");
		Fixtures.script(this.home.resolve("venvs/hangs/bin/python"), "exec sleep 30\n");
		Fixtures.write(this.home.resolve("venvs/hangs/pyvenv.cfg"), "home = /usr/bin\n");
		DiscoveryOptions options = options();
		options = new DiscoveryOptions(options.home(), options.venvFolders(), options.condaEnvironmentsFile(),
				options.condaRc(), options.condaEnvsDirs(), options.pyenvRoot(), false, Duration.ofSeconds(1));

		long start = System.nanoTime();
		List<DiscoveredPython> found = discovery(options).discover();

		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
		assertThat(found).extracting(DiscoveredPython::version).containsOnlyNulls();
		assertThat(found.get(0).problem()).isEqualTo("does not run (exit code 127): error while loading shared libraries");
		assertThat(found.get(1).problem()).isEqualTo("did not answer within 1 s");
	}

	@Test
	void findsNothingInAnEmptyHome() {
		assertThat(discovery(DiscoveryOptions.defaults(Map.of(), this.home)).discover()).isEmpty();
	}

	private Path condaEnv(Path prefix, String version) throws Exception {
		fakePrefix(prefix, version);
		Files.createDirectories(prefix.resolve("conda-meta"));
		return prefix;
	}

	private static String pythonVersion() throws Exception {
		return Fixtures.run(List.of(Fixtures.SYSTEM_PYTHON, "-c", "import platform; print(platform.python_version())"),
				Map.of("PATH", "/usr/bin:/bin"), Duration.ofSeconds(10)).stdout().strip();
	}

}
