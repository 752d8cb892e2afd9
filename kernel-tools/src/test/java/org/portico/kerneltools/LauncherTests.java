package org.portico.kerneltools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher script, run by the real {@code /bin/sh} with stand-ins for Python and the module
 * tools that record how they were called. The real tools and a real Jupyter run it in the
 * {@code modules} and {@code jupyter} tests; these pin down its contract: activation, the three
 * failure signals of a module load, exit codes, and that no value is ever run as code.
 */
class LauncherTests {

	@TempDir
	Path tmp;

	private Path launcher;

	private Path probe;

	@BeforeEach
	void writeLauncher() throws IOException {
		this.launcher = this.tmp.resolve(Launcher.FILE_NAME);
		Files.writeString(this.launcher, Launcher.script());
		this.probe = this.tmp.resolve("probe.txt");
	}

	/**
	 * A stand-in Python: answers the launcher's ipykernel probe and check, and otherwise writes its
	 * arguments and environment to $PROBE_OUT, as the real kernel would start there.
	 */
	private Path fakePython(Path prefix) throws IOException {
		return Fixtures.script(prefix.resolve("bin/python"), """
				case "$2" in
				  *ipykernel.__version__*)
				    [ -z "${FAKE_NO_IPYKERNEL-}" ] || exit 17
				    printf 'version=3.99.1\\nprefix=%s\\nipykernel=9.9\\n' "$(dirname "$(dirname "$0")")"; exit 0 ;;
				  *find_spec*) [ -z "${FAKE_NO_IPYKERNEL-}" ] || exit 1; exit 0 ;;
				esac
				{ for a in "$@"; do printf 'arg=%s\\n' "$a"; done; env; } > "$PROBE_OUT"
				""");
	}

	/** A stand-in module tool that records its arguments and prints {@code output}. */
	private Path fakeTool(String name, String output, String stderr, int exitCode) throws IOException {
		Path calls = this.tmp.resolve(name + ".calls");
		Path outputFile = this.tmp.resolve(name + ".output");
		Path stderrFile = this.tmp.resolve(name + ".stderr");
		Files.writeString(outputFile, output);
		Files.writeString(stderrFile, stderr);
		return Fixtures.script(this.tmp.resolve("tools").resolve(name), "printf '%s\\n' \"$@\" \"MODULEPATH=$MODULEPATH\" > '"
				+ calls + "'\ncat '" + outputFile + "'\ncat '" + stderrFile + "' >&2\nexit " + exitCode + "\n");
	}

	private Fixtures.Result launch(Map<String, String> extraEnvironment, String... args) throws Exception {
		List<String> argv = new ArrayList<>(List.of("/bin/sh", this.launcher.toString()));
		argv.addAll(Arrays.asList(args));
		Map<String, String> env = new HashMap<>(Fixtures.baseEnvironment(this.tmp));
		env.put("PROBE_OUT", this.probe.toString());
		env.putAll(extraEnvironment);
		return Fixtures.run(argv, env, Duration.ofSeconds(20));
	}

	private Map<String, String> probedEnvironment() throws IOException {
		Map<String, String> env = new HashMap<>();
		for (String line : Files.readAllLines(this.probe)) {
			int equals = line.indexOf('=');
			if (equals > 0 && !line.startsWith("arg=")) {
				env.put(line.substring(0, equals), line.substring(equals + 1));
			}
		}
		return env;
	}

	private List<String> probedArguments() throws IOException {
		return Files.readAllLines(this.probe).stream().filter((l) -> l.startsWith("arg=")).map((l) -> l.substring(4)).toList();
	}

	@Test
	void activatesAVenvInAHostileFolderWithoutRunningAnythingOfItsName() throws Exception {
		Path pwned = this.tmp.resolve("pwned");
		Path venv = this.tmp.resolve("it's a \"venv\" $(touch " + pwned + ") `touch " + pwned + "` ; & | <x>");
		Files.createDirectories(venv);
		Path python = fakePython(venv);
		Path connection = this.tmp.resolve("kernel-1 $(touch " + pwned + ").json");

		Fixtures.Result result = launch(Map.of(), "--name", "ml", "--venv", venv.toString(), "--python", python.toString(),
				"-f", connection.toString());

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(probedArguments()).containsExactly("-m", "ipykernel_launcher", "-f", connection.toString());
		Map<String, String> env = probedEnvironment();
		assertThat(env).containsEntry("VIRTUAL_ENV", venv.toString());
		assertThat(env.get("PATH")).isEqualTo(venv + "/bin:/usr/local/bin:/usr/bin:/bin");
		assertThat(pwned).doesNotExist();
	}

	@Test
	void loadsModulesFromTheToolsOutputAndHandsItTheNamesAsArguments() throws Exception {
		Path tool = fakeTool("modulecmd.tcl",
				"FOO='two  spaces $HOME'; export FOO;\nLOADEDMODULES=cuda/12.4:python/3.11; export LOADEDMODULES;\ntest 0;\n", "",
				0);
		Path python = fakePython(this.tmp.resolve("env"));

		Fixtures.Result result = launch(Map.of(), "--name", "ml", "--module-system", "environment-modules", "--module-cmd",
				tool.toString(), "--modulepath", "/site/a:/site/b", "--python", python.toString(), "-f", "/c.json", "--",
				"cuda/12.4", "python/3.11");

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(Files.readAllLines(this.tmp.resolve("modulecmd.tcl.calls"))).containsExactly("sh", "load", "cuda/12.4",
				"python/3.11", "MODULEPATH=/site/a:/site/b");
		assertThat(probedEnvironment()).containsEntry("FOO", "two  spaces $HOME")
			.containsEntry("LOADEDMODULES", "cuda/12.4:python/3.11")
			.containsEntry("MODULEPATH", "/site/a:/site/b");
	}

	@Test
	void anLmodFailureStopsTheKernelWithTheToolsMessage() throws Exception {
		Path tool = fakeTool("lmod", "\nfalse\n", "Lmod has detected the following error: unknown: \"nosuch\"", 1);
		Path python = fakePython(this.tmp.resolve("env"));

		Fixtures.Result result = launch(Map.of(), "--name", "ml", "--module-system", "lmod", "--module-cmd", tool.toString(),
				"--python", python.toString(), "-f", "/c.json", "--", "cuda/12.4", "nosuch");

		assertThat(result.exitCode()).isEqualTo(Launcher.MODULE_LOAD_FAILED);
		assertThat(result.stderr()).contains("Lmod has detected the following error: unknown: \"nosuch\"")
			.contains("portico kernel ml: module load cuda/12.4 nosuch failed with lmod " + tool + " (exit code 1");
		assertThat(this.probe).as("Python must not start").doesNotExist();
	}

	@Test
	void anEnvironmentModulesFailureThatExitsZeroIsCaughtByItsStatusLine() throws Exception {
		Path tool = fakeTool("modulecmd.tcl", "CUDA_HOME=/x; export CUDA_HOME;\nLOADEDMODULES=cuda/12.4; export LOADEDMODULES;\ntest 0 = 1;\n",
				"ERROR: Unable to locate a modulefile for 'nosuch'", 0);
		Path python = fakePython(this.tmp.resolve("env"));

		Fixtures.Result result = launch(Map.of(), "--name", "ml", "--module-system", "environment-modules", "--module-cmd",
				tool.toString(), "--python", python.toString(), "-f", "/c.json", "--", "cuda/12.4", "nosuch");

		assertThat(result.exitCode()).isEqualTo(Launcher.MODULE_LOAD_FAILED);
		assertThat(result.stderr()).contains("Unable to locate a modulefile for 'nosuch'", "(exit code 0;");
		assertThat(this.probe).doesNotExist();
	}

	@Test
	void aModuleSwappedForAnotherVersionIsCaughtByLoadedModules() throws Exception {
		// Lmod's families swap silently: success, but cuda/12.6 is what is loaded.
		Path tool = fakeTool("lmod", "LOADEDMODULES=cuda/12.6; export LOADEDMODULES;\n", "", 0);
		Path python = fakePython(this.tmp.resolve("env"));

		Fixtures.Result result = launch(Map.of(), "--name", "ml", "--module-system", "lmod", "--module-cmd", tool.toString(),
				"--python", python.toString(), "-f", "/c.json", "--", "cuda/12.4");

		assertThat(result.exitCode()).isEqualTo(Launcher.MODULES_DIFFER);
		assertThat(result.stderr()).contains("reported success, but cuda/12.4 is not loaded afterwards (loaded: cuda/12.6)");
	}

	@Test
	void usesTheNodesOwnModuleToolWhenTheRecordedOneIsNotThere() throws Exception {
		Path tool = fakeTool("lmod", "LOADEDMODULES=cuda/12.4; export LOADEDMODULES;\n", "", 0);
		Path python = fakePython(this.tmp.resolve("env"));
		String[] args = { "--name", "ml", "--module-system", "lmod", "--module-cmd", "/no/such/lmod", "--python",
				python.toString(), "-f", "/c.json", "--", "cuda/12.4" };

		Fixtures.Result withNodeTool = launch(Map.of("LMOD_CMD", tool.toString()), args);
		Fixtures.Result without = launch(Map.of(), args);

		assertThat(withNodeTool.exitCode()).as(withNodeTool.stderr()).isZero();
		assertThat(without.exitCode()).isEqualTo(Launcher.MODULE_TOOL_MISSING);
		assertThat(without.stderr()).contains("cannot load modules cuda/12.4: the lmod command /no/such/lmod is not installed");
	}

	@ParameterizedTest
	@ValueSource(strings = { "cuda;touch x", "-x", "../cuda", "cuda/../x", "/abs", "cuda//1", "a b", "$(id)", "" })
	void refusesHostileModuleNamesEvenInAnEditedKernelJson(String module) throws Exception {
		Path tool = fakeTool("lmod", "LOADEDMODULES=x; export LOADEDMODULES;\n", "", 0);
		Path python = fakePython(this.tmp.resolve("env"));

		Fixtures.Result result = launch(Map.of(), "--name", "ml", "--module-system", "lmod", "--module-cmd", tool.toString(),
				"--python", python.toString(), "-f", "/c.json", "--", "cuda/12.4", module);

		assertThat(result.exitCode()).isEqualTo(Launcher.USAGE);
		assertThat(result.stderr()).contains("refusing module name '" + module + "'");
		assertThat(this.tmp.resolve("lmod.calls")).as("the tool must not run").doesNotExist();
	}

	@Test
	void activatesACondaEnvAndSourcesItsHooksInOrderAsCondaDoes() throws Exception {
		Path conda = this.tmp.resolve("envs/torch");
		Files.createDirectories(conda.resolve("conda-meta"));
		Path python = fakePython(conda);
		Fixtures.write(conda.resolve("etc/conda/activate.d/10-first.sh"), "FIRST=\"$CONDA_PREFIX\"; export FIRST\n");
		Fixtures.write(conda.resolve("etc/conda/activate.d/20-second.sh"),
				"SECOND=\"after $FIRST $UNSET_VARIABLE\"; export SECOND\nreturn 3\n");
		Fixtures.write(conda.resolve("etc/conda/activate.d/30-third.sh"), "THIRD=yes; export THIRD\n");
		Fixtures.write(conda.resolve("etc/conda/activate.d/README"), "not a hook\n");

		Fixtures.Result result = launch(Map.of(), "--name", "torch", "--conda", conda.toString(), "--python",
				python.toString(), "-f", "/c.json");

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(probedEnvironment()).containsEntry("CONDA_PREFIX", conda.toString())
			.containsEntry("CONDA_DEFAULT_ENV", conda.toString())
			.containsEntry("FIRST", conda.toString())
			.containsEntry("SECOND", "after " + conda + " ")
			.containsEntry("THIRD", "yes")
			.containsEntry("PATH", conda + "/bin:/usr/local/bin:/usr/bin:/bin");
		assertThat(result.stderr()).contains("conda hook " + conda + "/etc/conda/activate.d/20-second.sh returned 3");
	}

	@Test
	void activatesAPyenvVersion() throws Exception {
		Path root = this.tmp.resolve("pyenv");
		Path python = fakePython(root.resolve("versions/3.11.7"));

		Fixtures.Result result = launch(Map.of(), "--name", "py", "--pyenv-root", root.toString(), "--pyenv-version",
				"3.11.7", "--python", python.toString(), "-f", "/c.json");

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(probedEnvironment()).containsEntry("PYENV_ROOT", root.toString())
			.containsEntry("PYENV_VERSION", "3.11.7")
			.containsEntry("PATH", root + "/versions/3.11.7/bin:/usr/local/bin:/usr/bin:/bin");
	}

	@Test
	void failsWithADistinctCodeAndMessageForEachMissingPiece() throws Exception {
		Path venv = this.tmp.resolve("venv");
		Path python = fakePython(venv);

		Fixtures.Result noVenv = launch(Map.of(), "--name", "ml", "--venv", this.tmp.resolve("gone").toString(), "--python",
				python.toString(), "-f", "/c.json");
		Fixtures.Result noPython = launch(Map.of(), "--name", "ml", "--venv", venv.toString(), "--python",
				venv.resolve("bin/python9").toString(), "-f", "/c.json");
		Fixtures.Result noIpykernel = launch(Map.of("FAKE_NO_IPYKERNEL", "1"), "--name", "ml", "--venv", venv.toString(),
				"--python", python.toString(), "-f", "/c.json");
		Fixtures.Result noIpykernelInCheck = launch(Map.of("FAKE_NO_IPYKERNEL", "1"), "--name", "ml", "--venv",
				venv.toString(), "--python", python.toString(), "--check");
		Fixtures.Result unknown = launch(Map.of(), "--name", "ml", "--evil", "x");
		Fixtures.Result noValue = launch(Map.of(), "--name");
		Fixtures.Result noConnection = launch(Map.of(), "--python", python.toString());

		assertThat(noVenv.exitCode()).isEqualTo(Launcher.ENVIRONMENT_MISSING);
		assertThat(noVenv.stderr()).contains("portico kernel ml: the virtualenv " + this.tmp.resolve("gone") + " does not exist");
		assertThat(noPython.exitCode()).isEqualTo(Launcher.INTERPRETER_MISSING);
		assertThat(noIpykernel.exitCode()).isEqualTo(Launcher.IPYKERNEL_MISSING);
		assertThat(noIpykernel.stderr()).contains("install it with: " + python + " -m pip install ipykernel");
		assertThat(noIpykernelInCheck.exitCode()).isEqualTo(Launcher.IPYKERNEL_MISSING);
		assertThat(unknown.exitCode()).isEqualTo(Launcher.USAGE);
		assertThat(unknown.stderr()).contains("unknown launcher argument: --evil");
		assertThat(noValue.exitCode()).isEqualTo(Launcher.USAGE);
		assertThat(noConnection.exitCode()).isEqualTo(Launcher.USAGE);
		assertThat(this.probe).doesNotExist();
	}

	@Test
	void checkModeReportsWhatTheKernelWouldRunWithoutStartingIt() throws Exception {
		Path venv = this.tmp.resolve("venv");
		Path python = fakePython(venv);

		Launcher.Report report = Launcher.check(List.of("/bin/sh", this.launcher.toString(), "--name", "ml", "--venv",
				venv.toString(), "--python", python.toString(), "--check"), Fixtures.baseEnvironment(this.tmp),
				Duration.ofSeconds(20));

		assertThat(report.ok()).as(report.message()).isTrue();
		assertThat(report.values()).containsEntry("python", python.toString())
			.containsEntry("version", "3.99.1")
			.containsEntry("prefix", venv.toString())
			.containsEntry("ipykernel", "9.9");
	}

}
