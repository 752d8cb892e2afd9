package org.portico.kerneltools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.portico.envmodules.ModuleException;
import org.portico.envmodules.ModuleSystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Creating, listing, checking and removing kernels without modules, on real venvs made by
 * Debian's Python (the module systems have their own tests).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelToolsTests {

	@TempDir
	static Path tmp;

	private Path venv;

	private Path bareVenv;

	private KernelTools tools;

	private KernelLocation personal;

	@BeforeAll
	void makeVenvs() throws Exception {
		this.venv = Fixtures.venv(tmp.resolve("venvs/ml"), true);
		this.bareVenv = Fixtures.venv(tmp.resolve("venvs/bare"), false);
		this.tools = new KernelTools(Fixtures.baseEnvironment(tmp), noModules());
	}

	private KernelLocation freshLocation(String name) {
		return new KernelLocation(tmp.resolve(name).resolve("kernels"), false);
	}

	private static java.util.function.Supplier<ModuleSystem> noModules() {
		return () -> {
			throw new ModuleException(ModuleException.Reason.NOT_INSTALLED, null, List.of(), "no module system wanted", "",
					null);
		};
	}

	private KernelRequest request(String name, PythonEnvironment environment) {
		return KernelRequest.of(KernelName.of(name), null, List.of(), environment);
	}

	@Test
	void createsAPrivateKernelThatWasTriedBeforeItWasInstalled() throws Exception {
		KernelLocation location = freshLocation("create");

		InstalledKernel kernel = this.tools.create(request("ml", new PythonEnvironment.Virtualenv(this.venv)), location,
				false);

		Path directory = location.kernelsDir().resolve("ml");
		assertThat(kernel.directory()).isEqualTo(directory);
		assertThat(directory.resolve(Launcher.FILE_NAME)).hasContent(Launcher.script());
		KernelSpec spec = KernelSpec.read(directory.resolve("kernel.json"));
		assertThat(spec.argv()).containsExactly("/bin/sh", directory.resolve(Launcher.FILE_NAME).toString(), "--name", "ml",
				"--venv", this.venv.toString(), "--python", this.venv.resolve("bin/python").toString(), "-f",
				"{connection_file}");
		assertThat(spec.displayName()).isEqualTo("ml (venv ml)");
		PorticoMetadata metadata = spec.portico();
		assertThat(metadata.pythonVersion()).matches("3\\.\\d+\\.\\d+");
		assertThat(metadata.ipykernel()).matches("\\d+\\.\\d+.*");
		assertThat(metadata.modules()).isNull();
		assertThat(Files.getPosixFilePermissions(directory)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
		assertThat(Files.getPosixFilePermissions(directory.resolve("kernel.json")))
			.isEqualTo(PosixFilePermissions.fromString("rw-------"));
		try (var entries = Files.list(location.kernelsDir())) {
			assertThat(entries).as("no staging folder is left").containsExactly(directory);
		}
		assertThat(this.tools.check(KernelName.of("ml"), location).problems()).isEmpty();
	}

	@Test
	void refusesAnExistingNameUnlessToldToReplaceAndNeverTouchesForeignKernels() throws Exception {
		KernelLocation location = freshLocation("replace");
		this.tools.create(request("ml", new PythonEnvironment.Virtualenv(this.venv)), location, false);
		Fixtures.write(location.kernelsDir().resolve("python3/kernel.json"),
				"{\"argv\": [\"python3\", \"-m\", \"ipykernel_launcher\", \"-f\", \"{connection_file}\"], \"display_name\": \"Python 3\", \"language\": \"python\"}");

		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(request("ml", new PythonEnvironment.Virtualenv(this.venv)), location, false))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(KernelException.Reason.EXISTS))
			.withMessageContaining("replace it with --replace");
		InstalledKernel replaced = this.tools.create(KernelRequest.of(KernelName.of("ml"), "Renamed", List.of(),
				new PythonEnvironment.Interpreter(Path.of(Fixtures.SYSTEM_PYTHON))), location, true);
		assertThat(KernelSpec.read(replaced.directory().resolve("kernel.json")).displayName()).isEqualTo("Renamed");
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(request("python3", new PythonEnvironment.Virtualenv(this.venv)), location, true))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(KernelException.Reason.NOT_PORTICO));
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.remove(KernelName.of("python3"), location))
			.satisfies((ex) -> assertThat(ex.fix()).containsExactly("jupyter", "kernelspec", "remove", "python3"));
		assertThat(location.kernelsDir().resolve("python3/kernel.json")).exists();
	}

	@Test
	void refusesAVenvWithoutIpykernelAndSaysHowToInstallIt() {
		KernelLocation location = freshLocation("noipykernel");

		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(request("bare", new PythonEnvironment.Virtualenv(this.bareVenv)), location,
					false))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(KernelException.Reason.IPYKERNEL);
				assertThat(ex.fix()).containsExactly(this.bareVenv.resolve("bin/python").toString(), "-m", "pip", "install",
						"ipykernel");
				assertThat(ex.getMessage()).contains("ipykernel is not installed for " + this.bareVenv.resolve("bin/python"));
			});
		assertThat(location.kernelsDir()).isEmptyDirectory();
	}

	@Test
	void refusesEnvironmentsThatAreNotWhatTheyClaim() throws Exception {
		KernelLocation location = freshLocation("claims");
		Files.createDirectories(tmp.resolve("not-a-venv/bin"));

		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(request("x", new PythonEnvironment.Virtualenv(tmp.resolve("gone"))),
					location, false))
			.withMessageContaining("does not exist");
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(request("x", new PythonEnvironment.Virtualenv(tmp.resolve("not-a-venv"))),
					location, false))
			.withMessageContaining("is not a virtualenv");
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(request("x", new PythonEnvironment.CondaEnv(this.venv)), location, false))
			.withMessageContaining("is not a conda environment (it has no conda-meta folder)");
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(
					request("x", new PythonEnvironment.PyenvVersion(tmp.resolve("pyenv"), "3.11.7")), location, false))
			.withMessageContaining("pyenv version 3.11.7 is not installed");
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.create(request("x", new PythonEnvironment.Interpreter(Path.of("python9.9"))),
					location, false))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(KernelException.Reason.INTERPRETER))
			.withMessageContaining("python9.9 is not on the PATH");
	}

	@Test
	void findsABareInterpreterNameOnThePath() {
		InstalledKernel kernel = this.tools.create(request("sys", new PythonEnvironment.Interpreter(Path.of("python3"))),
				freshLocation("bare-name"), false);

		assertThat(kernel.spec().portico().python()).isEqualTo(whichPython3());
	}

	@Test
	void checkReportsWhatChangedSinceCreation() throws Exception {
		KernelLocation location = freshLocation("check");
		Path venv = Fixtures.venv(tmp.resolve("venvs/changing"), true);
		Path gone = Fixtures.venv(tmp.resolve("venvs/gone"), true);
		this.tools.create(request("changing", new PythonEnvironment.Virtualenv(venv)), location, false);
		this.tools.create(request("gone", new PythonEnvironment.Virtualenv(gone)), location, false);

		// ipykernel disappears from the venv, and someone edits the launcher.
		Files.writeString(venv.resolve("pyvenv.cfg"),
				Files.readString(venv.resolve("pyvenv.cfg")).replace("include-system-site-packages = true",
						"include-system-site-packages = false"));
		Files.writeString(location.kernelsDir().resolve("changing").resolve(Launcher.FILE_NAME),
				Launcher.script() + "\n# edited\n");
		Fixtures.deleteTree(gone);

		KernelCheck changing = this.tools.check(KernelName.of("changing"), location);
		KernelCheck missing = this.tools.check(KernelName.of("gone"), location);

		assertThat(changing.ok()).isFalse();
		assertThat(changing.problems()).extracting(KernelCheck.Problem::kind)
			.containsExactly(KernelCheck.Kind.MISSING_IPYKERNEL, KernelCheck.Kind.LAUNCHER_OUTDATED);
		assertThat(changing.problems().get(0).fixCommand())
			.isEqualTo(venv.resolve("bin/python") + " -m pip install ipykernel");
		assertThat(missing.problems()).singleElement().satisfies((problem) -> {
			assertThat(problem.kind()).isEqualTo(KernelCheck.Kind.MISSING_ENVIRONMENT);
			assertThat(problem.message()).isEqualTo("portico kernel gone: the virtualenv " + gone + " does not exist");
		});
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.check(KernelName.of("nosuch"), location))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(KernelException.Reason.NOT_FOUND))
			.withMessageContaining("(it has: changing, gone)");
	}

	@Test
	void listsKernelsOfEveryOriginAndRemovesOnlyPorticosOwn() throws Exception {
		KernelLocation location = freshLocation("list");
		KernelLocation shared = KernelLocation.shared(tmp.resolve("class101"));
		Files.createDirectories(shared.kernelsDir());
		Files.setPosixFilePermissions(shared.kernelsDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
		this.tools.create(request("ml", new PythonEnvironment.Virtualenv(this.venv)), location, false);
		this.tools.create(request("course", new PythonEnvironment.Virtualenv(this.venv)), shared, false);
		Fixtures.write(location.kernelsDir().resolve("broken/kernel.json"), "{not json");
		Fixtures.write(location.kernelsDir().resolve("UPPER/kernel.json"),
				"{\"argv\": [\"x\"], \"display_name\": \"Upper\", \"language\": \"python\"}");
		Files.createDirectories(location.kernelsDir().resolve("no-spec"));

		List<InstalledKernel> kernels = this.tools.list(List.of(location, shared));

		assertThat(kernels).extracting(InstalledKernel::name, InstalledKernel::shared, InstalledKernel::portico)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("UPPER", false, false),
					org.assertj.core.groups.Tuple.tuple("broken", false, false),
					org.assertj.core.groups.Tuple.tuple("ml", false, true),
					org.assertj.core.groups.Tuple.tuple("course", true, true));
		assertThat(kernels.get(1).problem()).contains("cannot read kernelspec");
		assertThat(Files.getPosixFilePermissions(shared.kernelsDir().resolve("course")))
			.isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
		assertThat(Files.getPosixFilePermissions(shared.kernelsDir().resolve("course/kernel.json")))
			.isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));

		// A link named like a kernel is left alone, and so is what it points to.
		Files.createSymbolicLink(location.kernelsDir().resolve("link"), location.kernelsDir().resolve("ml"));
		assertThatExceptionOfType(KernelException.class)
			.isThrownBy(() -> this.tools.remove(KernelName.of("link"), location))
			.withMessageContaining("symbolic link");
		assertThat(this.tools.remove(KernelName.of("ml"), location)).isEqualTo(location.kernelsDir().resolve("ml"));
		assertThat(location.kernelsDir().resolve("ml")).doesNotExist();
		assertThat(this.venv.resolve("bin/python")).exists();
	}

	private static String whichPython3() {
		return Files.isExecutable(Path.of("/usr/local/bin/python3")) ? "/usr/local/bin/python3" : "/usr/bin/python3";
	}

}
