package org.portico.envmodules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What every {@link ModuleSystem} must do, run against the real tool and a real module tree. Each
 * implementation's test class extends it and says where its tool is and which part of the tree it
 * reads.
 */
@Tag("modules")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ModuleSystemCompatibilityKit {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	/** The module tree, made per test class and removed after it. */
	Path root;

	ModuleSystem system;

	Map<String, String> base;

	/** The tool under test. */
	abstract ToolLocation location();

	/** The {@code MODULEPATH} directory of the fixture this tool reads. */
	abstract Path modulePath(Path fixtureRoot);

	/** Writes a modulefile {@code fresh/1.0} in this tool's language into {@code dir}. */
	abstract void writeFreshModule(Path dir) throws IOException;

	@BeforeAll
	void createTreeAndSystem() throws Exception {
		this.root = Files.createTempDirectory("portico-modules-test-");
		ModulesFixture.create(this.root);
		this.system = ModuleSystem.of(location(),
				new ModuleSystemOptions(List.of(modulePath(this.root)), TIMEOUT));
		this.base = Map.of("PATH", "/usr/bin:/bin", "HOME", this.root.toString(), "LANG", "C.UTF-8");
	}

	@AfterAll
	void removeTree() throws IOException {
		if (this.root != null) {
			try (Stream<Path> paths = Files.walk(this.root)) {
				paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
			}
		}
	}

	@Test
	void detectsTheToolAndItsVersion() {
		ToolLocation missing = new ToolLocation(location().kind(), this.root.resolve("no/such/tool"));

		ModuleSystem detected = ModuleSystem.detect(List.of(missing, location()), this.system.options());

		assertThat(detected.kind()).isEqualTo(location().kind());
		assertThat(detected.location()).isEqualTo(location());
		assertThat(detected.version()).matches("\\d+\\.\\d+(\\.\\d+)?");
	}

	@Test
	void listsTheModulesWithVersionsDefaultsAndDescriptions() {
		Catalogue catalogue = this.system.catalogue();

		assertThat(catalogue.system()).isEqualTo(location().kind());
		assertThat(catalogue.modules()).extracting(AvailableModule::name).contains("cuda", "python", "broken", "other");
		AvailableModule cuda = catalogue.module("cuda").orElseThrow();
		assertThat(cuda.versions()).extracting(ModuleVersion::fullName).containsExactly("cuda/12.4");
		assertThat(cuda.defaultVersion()).isEqualTo("cuda/12.4");
		assertThat(cuda.description()).isEqualTo("fake CUDA toolkit for tests");
		assertThat(cuda.versions().get(0).modulefile()).startsWith(modulePath(this.root).toString());
		assertThat(catalogue.module("python").orElseThrow().description()).isEqualTo("Debian python3.11");
	}

	@Test
	void computesTheEnvironmentOfALoadWithoutTouchingItsOwn() throws Exception {
		EnvironmentChange change = this.system.load(List.of(ModuleSpec.of("cuda"), ModuleSpec.of("python/3.11")),
				this.base);

		assertThat(change.resolved()).containsExactly("cuda/12.4", "python/3.11");
		assertThat(change.loadedModules()).containsExactly("cuda/12.4", "python/3.11");
		String cudaHome = this.root.resolve("fakeroot/cuda-12.4").toString();
		assertThat(change.set()).containsEntry("CUDA_HOME", cudaHome).containsEntry("PYTHON_VERSION", "3.11");
		Map<String, String> env = change.applyTo(this.base);
		assertThat(env.get("PATH").split(":")).contains(cudaHome + "/bin", "/usr/bin", "/bin");
		assertThat(env.get("LD_LIBRARY_PATH")).isEqualTo(cudaHome + "/lib64");
		assertThat(System.getenv()).doesNotContainKeys("CUDA_HOME", "PYTHON_VERSION");

		// The computed environment really works: its PATH finds the module's nvcc.
		Path nvcc = ModulesFixture.which("nvcc", env);
		assertThat(nvcc).isEqualTo(Path.of(cudaHome, "bin/nvcc"));
		ProcessBuilder builder = new ProcessBuilder(List.of(nvcc.toString())).redirectErrorStream(true);
		builder.environment().clear();
		builder.environment().putAll(env);
		Process process = builder.start();
		assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
		assertThat(new String(process.getInputStream().readAllBytes())).contains("release 12.4 (fake)");
	}

	@Test
	void loadsOnTopOfAnEarlierLoad() {
		Map<String, String> withCuda = this.system.load(List.of(ModuleSpec.of("cuda/12.4")), this.base).applyTo(this.base);

		EnvironmentChange python = this.system.load(List.of(ModuleSpec.of("python")), withCuda);
		EnvironmentChange again = this.system.load(List.of(ModuleSpec.of("cuda/12.4")), withCuda);

		assertThat(python.resolved()).containsExactly("python/3.11");
		assertThat(python.loadedModules()).containsExactly("cuda/12.4", "python/3.11");
		assertThat(python.applyTo(withCuda)).containsEntry("CUDA_HOME", withCuda.get("CUDA_HOME"));
		assertThat(again.resolved()).containsExactly("cuda/12.4");
		assertThat(again.loadedModules()).containsExactly("cuda/12.4");
	}

	@Test
	void anUnknownModuleIsAClearErrorAndNoEnvironment() {
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> this.system.load(List.of(ModuleSpec.of("cuda/12.4"), ModuleSpec.of("nosuch")), this.base))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.LOAD_FAILED);
				assertThat(ex.system()).isEqualTo(location().kind());
				assertThat(ex.modules()).contains("nosuch");
				assertThat(ex.toolMessage()).contains("nosuch");
				assertThat(ex.getMessage()).startsWith(location().kind().displayName() + " " + this.system.version())
					.contains("could not load", "nosuch");
			});
	}

	@Test
	void aModulefileThatErrorsIsAClearError() {
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> this.system.load(List.of(ModuleSpec.of("broken")), this.base))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.LOAD_FAILED);
				assertThat(ex.modules()).containsExactly("broken");
				assertThat(ex.toolMessage()).contains("broken on purpose");
			});
	}

	@Test
	void aConflictIsAClearError() {
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> this.system.load(List.of(ModuleSpec.of("cuda"), ModuleSpec.of("other")), this.base))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.LOAD_FAILED);
				assertThat(ex.modules()).contains("other");
				// Lmod: Cannot load module "other/1.0" because these module(s) are loaded: cuda
				// Environment Modules: Conflicting cuda is loaded
				assertThat(ex.toolMessage()).contains("cuda");
				assertThat(ex.getMessage()).contains(ex.toolMessage());
			});
	}

	@Test
	void theCatalogueCacheSeesANewModulefile() throws IOException {
		Path extra = this.root.resolve("extra-" + location().kind().name().toLowerCase());
		Files.createDirectories(extra);
		ModuleSystem withExtra = this.system
			.withOptions(this.system.options().withModulePath(List.of(modulePath(this.root), extra)));
		CatalogueCache cache = new CatalogueCache(Duration.ZERO, 4);

		Catalogue before = cache.get(withExtra);
		assertThat(cache.get(withExtra)).isSameAs(before);
		writeFreshModule(extra);
		Catalogue after = cache.get(withExtra);

		assertThat(before.module("fresh")).isEmpty();
		assertThat(after.module("fresh")).isPresent();
		assertThat(after.module("fresh").orElseThrow().defaultVersion()).isEqualTo("fresh/1.0");
	}

	@Test
	void aToolThatTakesTooLongIsKilled() {
		ModuleSystem impatient = this.system
			.withOptions(new ModuleSystemOptions(this.system.options().modulePath(), Duration.ofMillis(1)));

		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> impatient.load(List.of(ModuleSpec.of("cuda")), this.base))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.TIMEOUT);
				assertThat(ex.modules()).containsExactly("cuda");
				assertThat(ex.getMessage()).contains("did not finish within 1 ms");
			});
	}

}
