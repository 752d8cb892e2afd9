package org.portico.envmodules;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class EnvironmentModulesJsonOutputTests {

	private static final String TREE = Captured.TREE;

	@Test
	void buildsTheCatalogueFromTheThreeListings() {
		List<AvailableModule> modules = EnvironmentModulesJsonOutput.catalogue(Captured.stderr("envmodules/avail"),
				Captured.stderr("envmodules/avail-defaults"), Captured.stderr("envmodules/whatis-noisy"));

		assertThat(modules).extracting(AvailableModule::name)
			.containsExactly("broken", "cuda", "noisy", "other", "python", "quoting");
		AvailableModule cuda = modules.get(1);
		assertThat(cuda.versions()).extracting(ModuleVersion::fullName).containsExactly("cuda/11.8", "cuda/12.4");
		assertThat(cuda.defaultVersion()).isEqualTo("cuda/11.8");
		assertThat(cuda.description()).isEqualTo("fake CUDA toolkit for tests");
		assertThat(cuda.versions().get(1).modulefile()).isEqualTo(TREE + "/tcl/cuda/12.4");
		assertThat(cuda.versions().get(1).version()).isEqualTo("12.4");
		// python/3.11 is the implicit default: only "avail -d" says so, its "symbols" are empty.
		AvailableModule python = modules.get(4);
		assertThat(python.defaultVersion()).isEqualTo("python/3.11");
		assertThat(python.description()).isEqualTo("Debian python3.11");
		// The noisy module's own line survived the noise it printed into the listing.
		assertThat(modules.get(2).description()).isEqualTo("prints while listed");
	}

	@Test
	void theListingIsOnStderrAndStdoutIsEmpty() {
		assertThat(Captured.stdout("envmodules/avail")).isEmpty();
		assertThat(Captured.stderr("envmodules/avail")).startsWith("{\"" + TREE + "/tcl\": {");
	}

	@Test
	void recoversModulesLineByLineWhenAModulefilePrintedIntoTheJson() {
		String noisy = Captured.stderr("envmodules/whatis-noisy");
		assertThat(noisy).contains("\nnoise from a modulefile\n");

		Map<String, JsonNode> entries = EnvironmentModulesJsonOutput.entries(noisy);

		assertThat(entries).containsOnlyKeys("broken/1.0", "cuda/11.8", "cuda/12.4", "other/1.0", "python/3.11",
				"quoting/1.0", "noisy/1.0");
		assertThat(entries.get("noisy/1.0").path("whatis").get(0).asText()).isEqualTo("Description: prints while listed");
	}

	@Test
	void readsCleanListingsStrictly() {
		Map<String, JsonNode> entries = EnvironmentModulesJsonOutput.entries(Captured.stderr("envmodules/whatis"));
		assertThat(entries).containsKeys("cuda/12.4", "python/3.11");
		assertThat(EnvironmentModulesJsonOutput.entries("{}")).isEmpty();
	}

	@Test
	void aNameInTwoDirectoriesIsTakenFromTheFirst() {
		String listing = "{\"/a\": {\n\"m/1\": { \"name\": \"m/1\", \"pathname\": \"/a/m/1\"}\n},\n"
				+ "\"/b\": {\n\"m/1\": { \"name\": \"m/1\", \"pathname\": \"/b/m/1\"}\n}}";
		assertThat(EnvironmentModulesJsonOutput.entries(listing).get("m/1").path("pathname").asText()).isEqualTo("/a/m/1");
		assertThat(EnvironmentModulesJsonOutput.entries("noise\n" + listing.replace("},\n\"/b", "},\nnoise\n\"/b"))
			.get("m/1")
			.path("pathname")
			.asText()).isEqualTo("/a/m/1");
	}

	@Test
	void refusesOutputWithoutAListing() {
		assertThatExceptionOfType(MalformedOutputException.class)
			.isThrownBy(() -> EnvironmentModulesJsonOutput.entries("ERROR: something else entirely"))
			.withMessageContaining("no --json listing");
	}

}
