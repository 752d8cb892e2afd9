package org.portico.kerneltools;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.portico.envmodules.AvailableModule;
import org.portico.envmodules.Catalogue;
import org.portico.envmodules.ModuleSystemKind;
import org.portico.envmodules.ModuleVersion;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How drift is worded and graded; the real module systems produce it in the {@code modules}
 * tests.
 */
class ModuleDriftTests {

	private static final PorticoMetadata.Modules PINNED = new PorticoMetadata.Modules(List.of("cuda", "python/3.11"),
			List.of("cuda/12.4", "python/3.11"), "lmod", "/usr/share/lmod/lmod/libexec/lmod", "8.6.19", "/m");

	@Test
	void aDefaultThatMovedOnIsAWarningBecauseTheKernelKeepsItsPinnedVersion() {
		List<KernelCheck.Problem> problems = ModuleDrift.compare(PINNED.requested(), PINNED.resolved(),
				List.of("cuda/12.6", "python/3.11"), (pinned) -> true);

		assertThat(problems).singleElement().satisfies((problem) -> {
			assertThat(problem.kind()).isEqualTo(KernelCheck.Kind.MODULE_DRIFT);
			assertThat(problem.severity()).isEqualTo(KernelCheck.Severity.WARNING);
			assertThat(problem.message()).startsWith("cuda/12.4 is now cuda/12.6: 'cuda' resolved to cuda/12.4")
				.contains("still loads cuda/12.4");
		});
		assertThat(ModuleDrift.compare(PINNED.requested(), PINNED.resolved(), PINNED.resolved(), (pinned) -> true)).isEmpty();
	}

	@Test
	void aMovedDefaultWhosePinnedVersionIsGoneIsAnError() {
		List<KernelCheck.Problem> problems = ModuleDrift.compare(PINNED.requested(), PINNED.resolved(),
				List.of("cuda/12.6", "python/3.11"), (pinned) -> !pinned.equals("cuda/12.4"));

		assertThat(problems).singleElement().satisfies((problem) -> {
			assertThat(problem.severity()).isEqualTo(KernelCheck.Severity.ERROR);
			assertThat(problem.message())
				.isEqualTo("cuda/12.4 is now cuda/12.6: cuda/12.4 is no longer available; re-create the kernel with cuda/12.6");
		});
	}

	@Test
	void aPinnedVersionThatVanishedIsAnErrorNamingWhatTheModuleGivesNow() {
		Catalogue catalogue = new Catalogue(ModuleSystemKind.LMOD, List.of("/m"),
				List.of(module("cuda", "cuda/12.6", "cuda/12.6", "cuda/12.8"), module("python", "python/3.11", "python/3.11")),
				Instant.now());

		List<KernelCheck.Problem> problems = ModuleDrift.gone(PINNED, catalogue);

		assertThat(problems).singleElement().satisfies((problem) -> {
			assertThat(problem.severity()).isEqualTo(KernelCheck.Severity.ERROR);
			assertThat(problem.message()).isEqualTo(
					"cuda/12.4 is now cuda/12.6: cuda/12.4 is no longer available; re-create the kernel with cuda/12.6");
		});
	}

	@Test
	void aModuleThatVanishedEntirelyIsAnError() {
		Catalogue catalogue = new Catalogue(ModuleSystemKind.LMOD, List.of("/m"),
				List.of(module("python", "python/3.11", "python/3.11")), Instant.now());

		assertThat(ModuleDrift.gone(PINNED, catalogue)).singleElement()
			.extracting(KernelCheck.Problem::message)
			.isEqualTo("cuda/12.4 is no longer available: no module cuda in /m");
		assertThat(ModuleDrift.gone(PINNED, null)).isEmpty();
	}

	private static AvailableModule module(String name, String defaultVersion, String... versions) {
		List<ModuleVersion> list = java.util.Arrays.stream(versions)
			.map((full) -> new ModuleVersion(full, full.substring(full.indexOf('/') + 1), "/m/" + full, "", List.of(),
					full.equals(defaultVersion)))
			.toList();
		return new AvailableModule(name, list, defaultVersion, "");
	}

}
