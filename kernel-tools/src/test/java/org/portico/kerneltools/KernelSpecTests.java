package org.portico.kerneltools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kernel.json} is exactly Jupyter's format, and the launcher's argv puts every value in an
 * element of its own.
 */
class KernelSpecTests {

	private static final PorticoMetadata.Modules MODULES = new PorticoMetadata.Modules(List.of("cuda", "python/3.11"),
			List.of("cuda/12.4", "python/3.11"), "lmod", "/usr/share/lmod/lmod/libexec/lmod", "8.6.19",
			"/opt/modulefiles:/site/modulefiles");

	@TempDir
	Path tmp;

	@Test
	void theLauncherArgvKeepsEveryValueApartAndPinsTheResolvedModules() {
		Path venv = Path.of("/home/u/my venvs/ml");
		List<String> argv = Launcher.argv(Path.of("/k/ml/portico-kernel-launcher.sh"), KernelName.of("ml"), MODULES,
				new PythonEnvironment.Virtualenv(venv), venv.resolve("bin/python"));

		assertThat(argv).containsExactly("/bin/sh", "/k/ml/portico-kernel-launcher.sh", "--name", "ml", "--module-system",
				"lmod", "--module-cmd", "/usr/share/lmod/lmod/libexec/lmod", "--modulepath",
				"/opt/modulefiles:/site/modulefiles", "--venv", "/home/u/my venvs/ml", "--python",
				"/home/u/my venvs/ml/bin/python", "-f", "{connection_file}", "--", "cuda/12.4", "python/3.11");
		assertThat(Launcher.checkArgv(argv, Path.of("/k/ml"))).containsSubsequence("--python",
				"/home/u/my venvs/ml/bin/python", "--check", "--", "cuda/12.4").doesNotContain("-f", "{connection_file}");
	}

	@Test
	void environmentsGiveTheirOwnLauncherArguments() {
		Path python = Path.of("/usr/bin/python3");
		assertThat(Launcher.argv(Path.of("/k/x/l.sh"), KernelName.of("x"), null,
				new PythonEnvironment.PyenvVersion(Path.of("/h/.pyenv"), "3.11.7"), python))
			.containsExactly("/bin/sh", "/k/x/l.sh", "--name", "x", "--pyenv-root", "/h/.pyenv", "--pyenv-version", "3.11.7",
					"--python", "/usr/bin/python3", "-f", "{connection_file}");
		assertThat(Launcher.argv(Path.of("/k/x/l.sh"), KernelName.of("x"), null,
				new PythonEnvironment.CondaEnv(Path.of("/h/.conda/envs/torch")), python))
			.containsSubsequence("--conda", "/h/.conda/envs/torch", "--python");
		assertThat(Launcher.argv(Path.of("/k/x/l.sh"), KernelName.of("x"), null, new PythonEnvironment.Interpreter(python),
				python))
			.containsExactly("/bin/sh", "/k/x/l.sh", "--name", "x", "--python", "/usr/bin/python3", "-f", "{connection_file}");
	}

	@Test
	void kernelJsonHasJupytersFieldsAndPorticosRecordUnderMetadata() throws Exception {
		PorticoMetadata metadata = new PorticoMetadata(1, "2024-05-01T10:00:00Z", MODULES,
				new PythonEnvironment.Virtualenv(Path.of("/home/u/venvs/ml")), "/home/u/venvs/ml/bin/python", "3.11.2",
				"6.17.0");
		KernelSpec spec = new KernelSpec(List.of("/bin/sh", "/k/ml/l.sh"), "ML \"GPU\" ü", "python", Map.of(),
				Map.of(KernelSpec.METADATA_KEY, metadata));

		JsonNode json = KernelJson.mapper().readTree(spec.toJson());

		assertThat(json.fieldNames()).toIterable().containsExactly("argv", "display_name", "language", "env", "metadata");
		assertThat(json.get("display_name").asText()).isEqualTo("ML \"GPU\" ü");
		assertThat(json.get("env").isObject()).isTrue();
		JsonNode portico = json.get("metadata").get("portico");
		assertThat(portico.get("modules").get("resolved").toString()).isEqualTo("[\"cuda/12.4\",\"python/3.11\"]");
		assertThat(portico.get("modules").get("module_path").asText()).isEqualTo("/opt/modulefiles:/site/modulefiles");
		assertThat(portico.get("environment").toString()).isEqualTo("{\"kind\":\"venv\",\"path\":\"/home/u/venvs/ml\"}");
		assertThat(portico.get("python_version").asText()).isEqualTo("3.11.2");

		Path file = this.tmp.resolve("kernel.json");
		Files.writeString(file, spec.toJson());
		KernelSpec read = KernelSpec.read(file);
		assertThat(read.portico()).isEqualTo(metadata);
		assertThat(read.argv()).isEqualTo(spec.argv());
	}

	@Test
	void readsAKernelspecMadeByJupyterWithoutPorticosRecord() throws Exception {
		Path file = this.tmp.resolve("kernel.json");
		Files.writeString(file, """
				{"argv": ["python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
				 "display_name": "Python 3 (ipykernel)", "language": "python",
				 "metadata": {"debugger": true}, "interrupt_mode": "signal"}
				""");

		KernelSpec spec = KernelSpec.read(file);

		assertThat(spec.portico()).isNull();
		assertThat(spec.env()).isEmpty();
		assertThat(spec.metadata()).containsEntry("debugger", true);
		assertThat(Launcher.checkArgv(spec.argv(), this.tmp)).isNull();
	}

	@Test
	void everyKernelGetsTheSameLauncherWhichHoldsNoKernelValue() {
		assertThat(Launcher.script()).startsWith("#!/bin/sh\n")
			.contains("exec \"$python\" -m ipykernel_launcher -f \"$conn\"")
			.doesNotContain("cuda/12.4", "{connection_file}");
	}

}
