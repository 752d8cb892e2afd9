package org.portico.kerneltools.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.kerneltools.KernelJson;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line as the gateway runs it: arguments in, exit code and JSON out, with a real venv
 * and no modules (the module and Jupyter tests drive it with modules).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelCliTests {

	@TempDir
	static Path home;

	private Path venv;

	private Map<String, String> environment;

	/** What one run printed and returned. */
	record Run(int exitCode, String out, String err) {

		JsonNode json() throws Exception {
			return KernelJson.mapper().readTree(this.out);
		}

	}

	@BeforeAll
	void makeVenv() throws Exception {
		this.venv = home.resolve("venvs/ml");
		Process process = new ProcessBuilder("/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip",
				this.venv.toString()).redirectErrorStream(true).start();
		assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
		this.environment = new HashMap<>(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", home.toString(),
				"LANG", "C.UTF-8", "JUPYTER_DATA_DIR", home.resolve("jupyter").toString()));
	}

	private Run run(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int code = new KernelCli(this.environment, home, new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8))
			.run(args);
		return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	@Test
	void createsListsChecksAndRemovesWithJsonForTheGateway() throws Exception {
		Run create = run("create", "--name", "cli-ml", "--venv", "~/venvs/ml", "--display-name", "CLI ML", "--json");
		Run list = run("list", "--json");
		Run check = run("check", "cli-ml", "--json");
		Run remove = run("remove", "cli-ml", "--json");
		Run again = run("check", "cli-ml", "--json");

		assertThat(create.exitCode()).as(create.err()).isZero();
		JsonNode kernel = create.json();
		assertThat(kernel.get("name").asText()).isEqualTo("cli-ml");
		assertThat(kernel.get("directory").asText()).isEqualTo(home.resolve("jupyter/kernels/cli-ml").toString());
		assertThat(kernel.get("portico").asBoolean()).isTrue();
		assertThat(kernel.get("spec").get("display_name").asText()).isEqualTo("CLI ML");
		assertThat(kernel.get("spec").get("metadata").get("portico").get("environment").get("path").asText())
			.isEqualTo(this.venv.toString());
		assertThat(list.json().get("kernels")).extracting((k) -> k.get("name").asText()).containsExactly("cli-ml");
		assertThat(check.exitCode()).isZero();
		assertThat(check.json().get("ok").asBoolean()).isTrue();
		assertThat(check.json().get("problems")).isEmpty();
		assertThat(remove.json().get("removed").get("name").asText()).isEqualTo("cli-ml");
		assertThat(again.exitCode()).isEqualTo(1);
		assertThat(again.json().get("error").get("reason").asText()).isEqualTo("not-found");
	}

	@Test
	void printsReadableTextWithoutJson() {
		Run create = run("create", "--name", "text", "--python", "/usr/bin/python3");
		Run check = run("check", "text");
		Run list = run("list");

		assertThat(create.out()).startsWith("Created kernel 'text' (text (/usr/bin/python3)) in " + home.resolve("jupyter/kernels/text"))
			.contains("  Python 3.");
		assertThat(check.out()).isEqualTo("Kernel 'text' is fine: it starts as it was made.\n");
		assertThat(list.out()).contains("text", "personal");
		assertThat(run("remove", "text").exitCode()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "../../etc", "a b", "x;touch pwned", "$(id)", "UPPER",
			"a-very-long-name-that-goes-on-and-on-and-on-past-sixty-four-characters" })
	void refusesHostileNamesWithExitCode2AndAJsonError(String name) throws Exception {
		Run run = run("create", "--name", name, "--venv", "~/venvs/ml", "--json");

		assertThat(run.exitCode()).isEqualTo(2);
		JsonNode error = run.json().get("error");
		assertThat(error.get("reason").asText()).isEqualTo("invalid");
		assertThat(error.get("message").asText()).startsWith("kernel name \"").contains("refused");
		assertThat(run.err()).startsWith("portico kernel: kernel name");
		assertThat(home.resolve("pwned")).doesNotExist();
		assertThat(home.resolve("jupyter/kernels")).satisfiesAnyOf((dir) -> assertThat(dir).doesNotExist(),
				(dir) -> assertThat(dir).isEmptyDirectory());
	}

	@ParameterizedTest
	@ValueSource(strings = { "cuda;touch pwned", "../cuda", "cuda 12.4", "-cuda", "$(touch pwned)" })
	void refusesHostileModuleStringsBeforeAnyModuleCommandRuns(String module) throws Exception {
		Run run = run("create", "--name", "ml", "--module", module, "--venv", "~/venvs/ml", "--json");

		assertThat(run.exitCode()).isEqualTo(2);
		assertThat(run.json().get("error").get("message").asText()).startsWith("module name \"");
		assertThat(home.resolve("pwned")).doesNotExist();
	}

	@Test
	void refusesPathsThatLeaveHomeOrHideCharacters() throws Exception {
		assertThat(run("create", "--name", "ml", "--venv", "~/../other", "--json").json().get("error").get("message").asText())
			.contains("leaves the home folder");
		assertThat(run("create", "--name", "ml", "--venv", "/opt/a:b").exitCode()).isEqualTo(2);
		assertThat(run("create", "--name", "ml", "--conda", "name;rm").exitCode()).isEqualTo(2);
		assertThat(run("create", "--name", "ml", "--pyenv", "../3.11").exitCode()).isEqualTo(2);
	}

	@Test
	void givesUsageErrorsWithExitCode2() {
		assertThat(run().exitCode()).isEqualTo(2);
		assertThat(run().err()).contains("usage: portico kernel <command>");
		assertThat(run("help").exitCode()).isZero();
		assertThat(run("help").out()).contains("create --name NAME");
		assertThat(run("frobnicate").err()).contains("unknown command frobnicate");
		assertThat(run("create", "--venv", "~/venvs/ml").err()).contains("create: --name is required");
		assertThat(run("create", "--name", "ml").err()).contains("give exactly one of --venv, --conda, --pyenv, --python");
		assertThat(run("create", "--name", "ml", "--venv", "a", "--conda", "b").err()).contains("(got --venv, --conda)");
		assertThat(run("create", "--name", "ml", "--venv").err()).contains("--venv needs a value");
		assertThat(run("create", "--name", "ml", "--name", "x").err()).contains("--name may be given only once");
		assertThat(run("list", "--bogus").err()).contains("list: unknown option --bogus");
		assertThat(run("check").err()).contains("check: give one kernel name");
		assertThat(run("create", "--name", "ml", "--venv", "x", "--timeout", "0").exitCode()).isEqualTo(2);
		assertThat(List.of(run("frobnicate").exitCode(), run("list", "--bogus").exitCode())).containsOnly(2);
	}

	@Test
	void failedOperationsExitWith1AndSayWhy() throws Exception {
		Run noModulePath = run("create", "--name", "ml", "--module", "cuda", "--venv", "~/venvs/ml", "--json");
		Run missingVenv = run("create", "--name", "ml", "--venv", "~/venvs/nope", "--json");
		Run unknownConda = run("create", "--name", "ml", "--conda", "torch", "--json");

		assertThat(noModulePath.exitCode()).isEqualTo(1);
		assertThat(noModulePath.json().get("error").get("reason").asText()).isEqualTo("module-system");
		assertThat(noModulePath.json().get("error").get("message").asText()).contains("no MODULEPATH");
		assertThat(missingVenv.json().get("error").get("reason").asText()).isEqualTo("environment");
		assertThat(unknownConda.json().get("error").get("message").asText()).contains("no conda environment named 'torch'");
	}

	@Test
	void discoversWithJson() throws Exception {
		Run run = run("discover", "--no-modules", "--json");

		assertThat(run.exitCode()).as(run.err()).isZero();
		JsonNode python = run.json().get("pythons").get(0);
		assertThat(python.get("environment").get("kind").asText()).isEqualTo("venv");
		assertThat(python.get("environment").get("path").asText()).isEqualTo(this.venv.toString());
		assertThat(python.get("version").asText()).startsWith("3.");
		assertThat(python.get("source").asText()).isEqualTo("~/venvs");
		assertThat(python.get("create_arguments").toString()).isEqualTo("[\"--venv\",\"" + this.venv + "\"]");
		assertThat(Files.exists(home.resolve("jupyter"))).isFalse();
	}

}
