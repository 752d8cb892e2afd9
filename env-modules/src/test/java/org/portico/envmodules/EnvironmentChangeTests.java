package org.portico.envmodules;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.entry;

class EnvironmentChangeTests {

	@Test
	void appliesToABaseEnvironmentWithoutChangingIt() {
		Map<String, String> base = Map.of("PATH", "/usr/bin", "GONE", "x", "KEEP", "y");
		EnvironmentChange change = new EnvironmentChange(ModuleSystemKind.LMOD, List.of(ModuleSpec.of("m")),
				List.of("m/1"), List.of("m/1"), Map.of("PATH", "/m/bin:/usr/bin", "M_HOME", "/m"), Set.of("GONE"));

		assertThat(change.applyTo(base)).containsOnly(entry("PATH", "/m/bin:/usr/bin"), entry("M_HOME", "/m"),
				entry("KEEP", "y"));
		assertThat(base).containsKey("GONE");
		assertThat(change.variables()).containsExactly("GONE", "M_HOME", "PATH");
		assertThat(change.set().keySet()).containsExactly("M_HOME", "PATH");
	}

	@Test
	void refusesContradictions() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EnvironmentChange(ModuleSystemKind.LMOD, List.of(ModuleSpec.of("m")), List.of("m/1"),
					List.of("m/1"), Map.of("X", "1"), Set.of("X")))
			.withMessage("variable X both set and unset");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EnvironmentChange(ModuleSystemKind.LMOD, List.of(ModuleSpec.of("m")), List.of(),
					List.of(), Map.of(), Set.of()))
			.withMessage("one resolved name per requested module expected");
	}

	@Test
	void ordersVersionsNaturally() {
		assertThat(List.of("python/3.11", "python/3.9", "python/3.10.2", "Python/2", "python/3.9.0")
			.stream()
			.sorted(VersionOrder::compare)
			.toList()).containsExactly("Python/2", "python/3.9", "python/3.9.0", "python/3.10.2", "python/3.11");
	}

}
