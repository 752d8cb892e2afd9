package org.portico.kerneltools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.portico.envmodules.ToolLocation;
import org.portico.kerneltools.cli.KernelCli;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "done when", end to end: kernels made by the {@code portico kernel create} command
 * line (as the gateway runs it) with modules plus a venv, a conda-style env and a pyenv-style
 * version are started by Debian's real Jupyter server, and code run over the kernel's WebSocket
 * sees the modules' variables and the environment's own packages; a kernel whose module broke
 * after creation never comes up, Jupyter's log carries the module tool's message, and creating
 * such a kernel is refused up front. Each module system's test class extends it.
 */
@Tag("jupyter")
@Tag("modules")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JupyterKernelCompatibilityKit {

	private static final Duration EXECUTE_TIMEOUT = Duration.ofSeconds(60);

	private static final String PYENV_VERSION = "3.11-portico";

	Path root;

	Path venv;

	Path conda;

	Path pyenvRoot;

	Path ownTree;

	Map<String, String> environment;

	JupyterServer server;

	/** The tool under test. */
	abstract ToolLocation location();

	/** The fixture's tree in this tool's language. */
	abstract Path modulePath(Path fixtureRoot);

	/** This tool's name for {@code --module-system}. */
	abstract String systemLabel();

	/** Writes {@code name/version} setting {@code variable=value}, in this tool's language. */
	abstract void writeModule(Path tree, String name, String version, String variable, String value) throws Exception;

	/** Writes {@code name/version} that fails with {@code message}, in this tool's language. */
	abstract void writeBrokenModule(Path tree, String name, String version, String message) throws Exception;

	@BeforeAll
	void createKernelsAndStartJupyter() throws Exception {
		this.root = Files.createTempDirectory("portico-kernel-jupyter-");
		Fixtures.moduleTree(this.root);
		this.ownTree = Files.createDirectories(this.root.resolve("own"));
		writeModule(this.ownTree, "flaky", "1.0", "FLAKY", "1");
		Path home = Files.createDirectories(this.root.resolve("home"));
		this.venv = Fixtures.venv(home.resolve("venvs/ml"), true);
		Fixtures.addPackage(this.venv, "portico_probe_venv", "venv");
		this.conda = Fixtures.condaStyleEnv(home.resolve("conda/envs/torch-env"));
		Fixtures.addPackage(this.conda, "portico_probe_conda", "conda");
		Fixtures.write(home.resolve(".conda/environments.txt"), this.conda + "\n");
		this.pyenvRoot = home.resolve(".pyenv");
		Fixtures.addPackage(Fixtures.pyenvStyleVersion(this.pyenvRoot, PYENV_VERSION), "portico_probe_pyenv", "pyenv");
		this.environment = new HashMap<>(Fixtures.baseEnvironment(home));
		this.environment.put("JUPYTER_DATA_DIR", this.root.resolve("jupyter-data").toString());
		this.environment.put("PYENV_ROOT", this.pyenvRoot.toString());

		create("venv-ml", "--module", "cuda/12.4", "--module", "python/3.11", "--venv", "~/venvs/ml");
		create("conda-ml", "--modules", "cuda python/3.11", "--conda", "torch-env");
		create("pyenv-ml", "--module", "cuda/12.4", "--pyenv", PYENV_VERSION);
		create("flaky", "--module", "cuda/12.4", "--module", "flaky/1.0", "--venv", "~/venvs/ml");
		writeBrokenModule(this.ownTree, "flaky", "1.0", "flaky broke after the kernel was made");

		this.server = JupyterServer.start(this.root, this.root.resolve("jupyter-data"), Duration.ofSeconds(60));
		assertThat(this.server.kernelspecs().fieldNames()).toIterable()
			.contains("venv-ml", "conda-ml", "pyenv-ml", "flaky");
	}

	@AfterAll
	void stopJupyter() throws Exception {
		if (this.server != null) {
			this.server.close();
		}
		Fixtures.deleteTree(this.root);
	}

	@Test
	void aVenvKernelSeesTheModulesVariablesAndTheVenvsPackages() throws Exception {
		JsonNode seen = run("venv-ml", "portico_probe_venv");

		Path cuda = this.root.resolve("fakeroot/cuda-12.4");
		assertThat(seen.get("CUDA_HOME").asText()).isEqualTo(cuda.toString());
		assertThat(seen.get("LD_LIBRARY_PATH").asText()).isEqualTo(cuda.resolve("lib64").toString());
		assertThat(seen.get("PYTHON_VERSION").asText()).isEqualTo("3.11");
		assertThat(seen.get("LOADEDMODULES").asText()).isEqualTo("cuda/12.4:python/3.11");
		assertThat(seen.get("nvcc").asText()).contains("release 12.4 (fake)");
		assertThat(seen.get("VIRTUAL_ENV").asText()).isEqualTo(this.venv.toString());
		assertThat(seen.get("prefix").asText()).isEqualTo(this.venv.toString());
		assertThat(seen.get("probe").asText()).isEqualTo("venv");
	}

	@Test
	void aCondaStyleKernelRunsTheEnvsActivationHooks() throws Exception {
		JsonNode seen = run("conda-ml", "portico_probe_conda");

		assertThat(seen.get("CUDA_HOME").asText()).isEqualTo(this.root.resolve("fakeroot/cuda-12.4").toString());
		assertThat(seen.get("LOADEDMODULES").asText()).isEqualTo("cuda/12.4:python/3.11");
		assertThat(seen.get("CONDA_PREFIX").asText()).isEqualTo(this.conda.toString());
		assertThat(seen.get("PORTICO_CONDA_HOOK").asText()).isEqualTo("ran for " + this.conda);
		assertThat(seen.get("prefix").asText()).isEqualTo(this.conda.toString());
		assertThat(seen.get("probe").asText()).isEqualTo("conda");
	}

	@Test
	void aPyenvStyleKernelRunsThatVersion() throws Exception {
		JsonNode seen = run("pyenv-ml", "portico_probe_pyenv");

		Path prefix = this.pyenvRoot.resolve("versions").resolve(PYENV_VERSION);
		assertThat(seen.get("CUDA_HOME").asText()).isEqualTo(this.root.resolve("fakeroot/cuda-12.4").toString());
		assertThat(seen.get("PYENV_VERSION").asText()).isEqualTo(PYENV_VERSION);
		assertThat(seen.get("PYENV_ROOT").asText()).isEqualTo(this.pyenvRoot.toString());
		assertThat(seen.get("prefix").asText()).isEqualTo(prefix.toString());
		assertThat(seen.get("probe").asText()).isEqualTo("pyenv");
		Path pyenv = realPyenv();
		if (pyenv != null) {
			// Where the machine has pyenv, it accepts the folder as one of its versions.
			Fixtures.Result versions = Fixtures.run(List.of(pyenv.toString(), "versions", "--bare"),
					Map.of("PATH", "/usr/bin:/bin", "PYENV_ROOT", this.pyenvRoot.toString(), "HOME",
							this.root.resolve("home").toString()),
					Duration.ofSeconds(30));
			assertThat(versions.stdout().lines()).as(versions.stderr()).contains(PYENV_VERSION);
		}
	}

	@Test
	void aKernelWhoseModuleBrokeNeverComesUpAndJupyterLogsWhy() throws Exception {
		String id = this.server.startKernel("flaky");

		Instant deadline = Instant.now().plus(Duration.ofSeconds(45));
		while (this.server.kernelStatus(id) == 200 && Instant.now().isBefore(deadline)) {
			Thread.sleep(250);
		}

		assertThat(this.server.kernelStatus(id)).as("Jupyter gives the dead kernel up\n" + this.server.log()).isEqualTo(404);
		assertThat(this.server.log()).contains("flaky broke after the kernel was made")
			.contains("portico kernel flaky: module load cuda/12.4 flaky/1.0 failed with " + systemLabel())
			.contains("KernelRestarter: restart failed");

		Run again = cli("create", "--name", "flaky-again", "--module", "flaky/1.0", "--venv", "~/venvs/ml", "--json");
		assertThat(again.exitCode()).isEqualTo(1);
		JsonNode error = KernelJson.mapper().readTree(again.out()).get("error");
		assertThat(error.get("reason").asText()).isEqualTo("module-load");
		assertThat(error.get("tool_message").asText()).contains("flaky broke after the kernel was made");
		assertThat(this.root.resolve("jupyter-data/kernels/flaky-again")).doesNotExist();
	}

	/** Runs a probe in a fresh kernel and returns what it printed, as JSON. */
	private JsonNode run(String kernel, String probePackage) throws Exception {
		String id = this.server.startKernel(kernel);
		try {
			String output = this.server.execute(id, String.join("\n", "import json, os, subprocess, sys",
					"import " + probePackage + " as probe",
					"names = ['CUDA_HOME', 'LD_LIBRARY_PATH', 'PYTHON_VERSION', 'LOADEDMODULES', 'VIRTUAL_ENV',",
					"         'CONDA_PREFIX', 'PORTICO_CONDA_HOOK', 'PYENV_VERSION', 'PYENV_ROOT']",
					"seen = {name: os.environ.get(name) for name in names}",
					"seen['nvcc'] = subprocess.run(['nvcc'], capture_output=True, text=True).stdout",
					"seen['prefix'] = sys.prefix", "seen['probe'] = probe.WHERE", "print(json.dumps(seen))"),
					EXECUTE_TIMEOUT);
			return KernelJson.mapper().readTree(output);
		}
		finally {
			this.server.deleteKernel(id);
		}
	}

	/** What one command line run printed and returned. */
	record Run(int exitCode, String out, String err) {
	}

	private Run cli(String... args) {
		List<String> argv = new ArrayList<>(List.of(args));
		argv.addAll(List.of("--module-cmd", location().command().toString(), "--module-system", systemLabel(),
				"--modulepath", modulePath(this.root) + ":" + this.ownTree));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int code = new KernelCli(this.environment, this.root, new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8))
			.run(argv.toArray(String[]::new));
		return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	private void create(String name, String... args) {
		List<String> argv = new ArrayList<>(List.of("create", "--name", name, "--json"));
		argv.addAll(List.of(args));
		Run run = cli(argv.toArray(String[]::new));
		assertThat(run.exitCode()).as("create " + name + ": " + run.err()).isZero();
	}

	/** pyenv, where this machine has it: on the PATH, or in the default root. */
	private static Path realPyenv() {
		List<Path> candidates = new ArrayList<>();
		for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
			if (!dir.isEmpty()) {
				candidates.add(Path.of(dir, "pyenv"));
			}
		}
		candidates.add(Path.of(System.getProperty("user.home"), ".pyenv/bin/pyenv"));
		return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
	}

}
