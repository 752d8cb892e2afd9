package org.portico.kerneltools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.portico.envmodules.ModuleSpec;
import org.portico.envmodules.ModuleSystem;
import org.portico.envmodules.ModuleSystemOptions;
import org.portico.envmodules.ToolLocation;
import org.portico.kerneltools.cli.KernelCli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What kernel-tools must do with every module system, run against the real tool, a real module
 * tree and a real venv: pin versions at creation, refuse kernels whose modules do not load (with
 * the tool's own message), stop a kernel loudly at start when a module breaks later, and report
 * drift. Each module system's test class extends it.
 */
@Tag("modules")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KernelModulesCompatibilityKit {

	Path root;

	Path venv;

	Map<String, String> environment;

	ModuleSystem system;

	/** The tool under test. */
	abstract ToolLocation location();

	/** The fixture's tree in this tool's language ({@code lua} or {@code tcl}). */
	abstract Path modulePath(Path fixtureRoot);

	/** Writes {@code name/version} setting {@code variable=value}, in this tool's language. */
	abstract void writeModule(Path tree, String name, String version, String variable, String value) throws Exception;

	/** Writes {@code name/version} that fails with {@code message}, in this tool's language. */
	abstract void writeBrokenModule(Path tree, String name, String version, String message) throws Exception;

	/** This tool's name in the launcher and in kernel.json. */
	abstract String systemLabel();

	@BeforeAll
	void createTreeVenvAndSystem() throws Exception {
		this.root = Files.createTempDirectory("portico-kernel-modules-");
		Fixtures.moduleTree(this.root);
		this.venv = Fixtures.venv(this.root.resolve("venvs/ml"), true);
		this.environment = Fixtures.baseEnvironment(Files.createDirectories(this.root.resolve("home")));
		this.system = ModuleSystem.of(location(),
				new ModuleSystemOptions(List.of(modulePath(this.root)), Duration.ofSeconds(30)));
	}

	@AfterAll
	void removeTree() throws Exception {
		Fixtures.deleteTree(this.root);
	}

	/** Kernel tools over the fixture tree plus a tree of the test's own, which it may change. */
	KernelTools tools(Path ownTree) throws Exception {
		Files.createDirectories(ownTree);
		ModuleSystem withOwn = this.system
			.withOptions(this.system.options().withModulePath(List.of(modulePath(this.root), ownTree)));
		return new KernelTools(this.environment, () -> withOwn);
	}

	KernelLocation location(String name) {
		return new KernelLocation(this.root.resolve("kernels-" + name), false);
	}

	KernelRequest request(String name, String... modules) {
		return KernelRequest.of(KernelName.of(name), null, java.util.Arrays.stream(modules).map(ModuleSpec::of).toList(),
				new PythonEnvironment.Virtualenv(this.venv));
	}

	@Test
	void pinsTheResolvedVersionsAndTheLauncherLoadsExactlyThose() throws Exception {
		KernelTools tools = tools(this.root.resolve("own-pin"));
		KernelLocation location = location("pin");

		InstalledKernel kernel = tools.create(request("ml", "cuda", "python/3.11"), location, false);

		PorticoMetadata.Modules modules = kernel.spec().portico().modules();
		assertThat(modules.requested()).containsExactly("cuda", "python/3.11");
		assertThat(modules.resolved()).containsExactly("cuda/12.4", "python/3.11");
		assertThat(modules.system()).isEqualTo(systemLabel());
		assertThat(modules.command()).isEqualTo(location().command().toString());
		assertThat(modules.modulePath()).isEqualTo(modulePath(this.root) + ":" + this.root.resolve("own-pin"));
		assertThat(kernel.spec().argv()).endsWith("--", "cuda/12.4", "python/3.11");
		Launcher.Report report = Launcher.check(Launcher.checkArgv(kernel.spec().argv(), kernel.directory()),
				this.environment, Duration.ofSeconds(60));
		assertThat(report.ok()).as(report.message()).isTrue();
		assertThat(report.value("loaded")).isEqualTo("cuda/12.4:python/3.11");
		assertThat(report.value("prefix")).isEqualTo(this.venv.toString());
		assertThat(tools.check(KernelName.of("ml"), location).problems()).isEmpty();
	}

	@Test
	void refusesToCreateAKernelWhoseModulesDoNotLoadAndQuotesTheTool() throws Exception {
		KernelTools tools = tools(this.root.resolve("own-refuse"));
		KernelLocation location = location("refuse");
		List<String[]> cases = List.of(new String[] { "cuda/12.4", "nosuch" }, new String[] { "broken" },
				new String[] { "cuda", "other" });
		List<String> expected = List.of("nosuch", "broken on purpose", "cuda");

		for (int i = 0; i < cases.size(); i++) {
			String[] modules = cases.get(i);
			String said = expected.get(i);
			assertThatExceptionOfType(KernelException.class)
				.isThrownBy(() -> tools.create(request("bad", modules), location, false))
				.satisfies((ex) -> {
					assertThat(ex.reason()).isEqualTo(KernelException.Reason.MODULE_LOAD);
					assertThat(ex.toolMessage()).contains(said);
					assertThat(ex.getMessage()).startsWith("kernel 'bad' not created: " + this.system.kind().displayName())
						.contains(ex.toolMessage());
				});
		}
		assertThat(location.kernelsDir()).satisfiesAnyOf((dir) -> assertThat(dir).doesNotExist(),
				(dir) -> assertThat(dir).isEmptyDirectory());
	}

	@Test
	void aModuleThatBreaksAfterCreationStopsTheKernelAtStartWithTheToolsMessage() throws Exception {
		Path own = this.root.resolve("own-flaky");
		writeModule(own, "flaky", "1.0", "FLAKY", "1");
		KernelTools tools = tools(own);
		KernelLocation location = location("flaky");
		InstalledKernel kernel = tools.create(request("flaky", "flaky/1.0"), location, false);

		writeBrokenModule(own, "flaky", "1.0", "flaky broke after the kernel was made");
		KernelCheck check = tools.check(KernelName.of("flaky"), location);
		List<String> argv = new ArrayList<>(kernel.spec().argv());
		argv.replaceAll((arg) -> arg.equals("{connection_file}") ? this.root.resolve("kernel-1.json").toString() : arg);
		Fixtures.Result start = Fixtures.run(argv, this.environment, Duration.ofSeconds(60));

		assertThat(check.ok()).isFalse();
		assertThat(check.problems()).first().satisfies((problem) -> {
			assertThat(problem.kind()).isEqualTo(KernelCheck.Kind.MODULE_LOAD_FAILED);
			assertThat(problem.message()).contains("flaky broke after the kernel was made");
		});
		assertThat(start.exitCode()).isEqualTo(Launcher.MODULE_LOAD_FAILED);
		assertThat(start.stderr()).contains("flaky broke after the kernel was made")
			.contains("portico kernel flaky: module load flaky/1.0 failed with " + systemLabel());
	}

	@Test
	void aConflictWithAModuleTheJobHasLoadedStopsTheKernelAtStart() throws Exception {
		// 'other' declares a conflict with cuda: it loads in a clean environment, so the kernel is
		// made, but a job that already has cuda loaded must not get a kernel without 'other'.
		KernelTools tools = new KernelTools(this.environment, () -> this.system);
		InstalledKernel kernel = tools.create(request("conflict", "other/1.0"), location("conflict"), false);
		Map<String, String> job = this.system.load(List.of(ModuleSpec.of("cuda/12.4")), this.environment)
			.applyTo(this.environment);
		List<String> argv = new ArrayList<>(kernel.spec().argv());
		argv.replaceAll((arg) -> arg.equals("{connection_file}") ? this.root.resolve("kernel-2.json").toString() : arg);

		Fixtures.Result start = Fixtures.run(argv, job, Duration.ofSeconds(60));

		assertThat(start.exitCode()).as(start.stderr()).isEqualTo(Launcher.MODULE_LOAD_FAILED);
		assertThat(start.stderr()).contains("cuda")
			.contains("portico kernel conflict: module load other/1.0 failed with " + systemLabel());
	}

	@Test
	void reportsDriftWhenADefaultMovesOnAndAnErrorWhenThePinnedVersionIsGone() throws Exception {
		Path own = this.root.resolve("own-drift");
		writeModule(own, "gpu", "1.0", "GPU_VERSION", "1.0");
		KernelTools tools = tools(own);
		KernelLocation location = location("drift");
		InstalledKernel kernel = tools.create(request("gpu", "gpu"), location, false);
		assertThat(kernel.spec().portico().modules().resolved()).containsExactly("gpu/1.0");

		writeModule(own, "gpu", "2.0", "GPU_VERSION", "2.0");
		KernelCheck moved = tools.check(KernelName.of("gpu"), location);
		deleteModule(own, "gpu", "1.0");
		KernelCheck gone = tools.check(KernelName.of("gpu"), location);

		assertThat(moved.ok()).as("the kernel still loads its pinned gpu/1.0").isTrue();
		assertThat(moved.problems()).singleElement().satisfies((problem) -> {
			assertThat(problem.kind()).isEqualTo(KernelCheck.Kind.MODULE_DRIFT);
			assertThat(problem.severity()).isEqualTo(KernelCheck.Severity.WARNING);
			assertThat(problem.message()).startsWith("gpu/1.0 is now gpu/2.0");
		});
		assertThat(gone.ok()).isFalse();
		assertThat(gone.problems()).extracting(KernelCheck.Problem::kind)
			.containsExactly(KernelCheck.Kind.MODULE_LOAD_FAILED, KernelCheck.Kind.MODULE_DRIFT);
		assertThat(gone.problems().get(1).message())
			.isEqualTo("gpu/1.0 is now gpu/2.0: gpu/1.0 is no longer available; re-create the kernel with gpu/2.0");
	}

	@Test
	void theCliFindsAModulesPythonAndMakesAKernelWithIt() throws Exception {
		List<String> moduleOptions = List.of("--module-cmd", location().command().toString(), "--module-system",
				systemLabel(), "--modulepath", modulePath(this.root).toString());
		Map<String, String> env = new java.util.HashMap<>(this.environment);
		env.put("JUPYTER_DATA_DIR", this.root.resolve("cli-data").toString());

		List<String> discover = new ArrayList<>(List.of("discover", "--json"));
		discover.addAll(moduleOptions);
		JsonNode pythons = cli(env, discover).get("pythons");
		JsonNode modulePython = null;
		for (JsonNode python : pythons) {
			if (python.get("modules").toString().equals("[\"python/3.11\"]")) {
				modulePython = python;
			}
		}
		assertThat(modulePython).as(pythons.toString()).isNotNull();
		assertThat(modulePython.get("version").asText()).startsWith("3.11");
		assertThat(modulePython.get("create_arguments").get(0).asText()).isEqualTo("--module");

		List<String> create = new ArrayList<>(List.of("create", "--name", "modpy", "--json"));
		modulePython.get("create_arguments").forEach((arg) -> create.add(arg.asText()));
		create.addAll(moduleOptions);
		JsonNode kernel = cli(env, create);
		assertThat(kernel.get("spec").get("metadata").get("portico").get("modules").get("resolved").toString())
			.isEqualTo("[\"python/3.11\"]");
		assertThat(kernel.get("spec").get("metadata").get("portico").get("python").asText())
			.isEqualTo(modulePython.get("environment").get("python").asText());
	}

	private static JsonNode cli(Map<String, String> env, List<String> args) throws Exception {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int code = new KernelCli(env, Path.of(env.get("HOME")), new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8))
			.run(args.toArray(String[]::new));
		assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
		return KernelJson.mapper().readTree(out.toString(StandardCharsets.UTF_8));
	}

	/** Removes {@code name/version} whatever its language. */
	void deleteModule(Path tree, String name, String version) throws Exception {
		Files.deleteIfExists(tree.resolve(name).resolve(version));
		Files.deleteIfExists(tree.resolve(name).resolve(version + ".lua"));
	}

}
