package org.portico.gateway.batch;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portico.spawner.SpawnRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProfileCatalogTests {

	static final ProfileProperties.Profile SMALL = new ProfileProperties.Profile("Small", null, "slurm", "interactive",
			List.of("batch"), null, 2, "4G", 0, null, 1, 8, false, true, null, null);

	final ProfileCatalog catalog = new ProfileCatalog(new ProfileProperties(Map.of("small", SMALL), null));

	@Test
	void aValidChoiceBecomesTheSpawnersOptions() {
		ProfileCatalog.Choice choice = this.catalog.choose(Map.of("profile", "small", "hours", "2.5", "queue", "batch",
				"immediate", "on")).orElseThrow();
		assertThat(choice.scheduler()).isEqualTo("slurm");
		assertThat(choice.hours()).isEqualTo(2.5);
		assertThat(choice.options()).containsEntry("queue", "batch").containsEntry("cores", "2").containsEntry("memory", "4G")
			.containsEntry("hours", "2.5").containsEntry("immediate", "true");
		// and the spawner's own check accepts what the gateway produced
		SpawnRequest request = new SpawnRequest("alice", "", List.of("x"), Map.of(), java.nio.file.Path.of("/home/alice"),
				java.nio.file.Path.of("/home/alice/log"), java.time.Duration.ofSeconds(60), choice.options());
		var options = BatchConfiguration.resolve(request, "slurm", this.catalog);
		assertThat(options.queue()).isEqualTo("batch");
		assertThat(options.memoryMiB()).isEqualTo(4096);
		assertThat(options.walltime()).hasMinutes(150);
	}

	@Test
	void defaultsComeFromTheProfile() {
		ProfileCatalog.Choice choice = this.catalog.choose(Map.of("profile", "small")).orElseThrow();
		assertThat(choice.hours()).isEqualTo(1);
		assertThat(choice.options()).containsEntry("queue", "interactive").containsEntry("immediate", "false");
	}

	@Test
	void noProfileAndNoDefaultMeansNoBatchOptions() {
		assertThat(this.catalog.choose(Map.of())).isEmpty();
		assertThat(this.catalog.choose(Map.of("hours", "3"))).isEmpty();
		assertThatThrownBy(() -> this.catalog.choose(Map.of("queue", "batch"))).hasMessageContaining("Choose a profile");
	}

	@Test
	void hostileValuesAreRefusedWithoutEchoingThem() {
		List<Map<String, String>> hostile = List.of(Map.of("profile", "small", "hours", "-1"),
				Map.of("profile", "small", "hours", "0"), Map.of("profile", "small", "hours", "9"),
				Map.of("profile", "small", "hours", "1e3"), Map.of("profile", "small", "hours", "NaN"),
				Map.of("profile", "small", "queue", "a; rm -rf ~"), Map.of("profile", "small", "queue", "batch\nx"),
				Map.of("profile", "small", "queue", "$(id)"), Map.of("profile", "small", "immediate", "maybe"),
				Map.of("profile", "nope"), Map.of("profile", "../small"), Map.of("profile", "small", "cores", "64"),
				Map.of("profile", "small", "hours", "1".repeat(100)));
		for (Map<String, String> fields : hostile) {
			assertThatThrownBy(() -> this.catalog.choose(fields)).as(fields.toString())
				.isInstanceOf(IllegalArgumentException.class)
				.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("rm -rf").doesNotContain("$(id)").doesNotContain("\n"));
		}
	}

	@Test
	void theSpawnerRefusesOptionsOfAnotherSchedulerOrProfile() {
		SpawnRequest bare = new SpawnRequest("alice", "", List.of("x"), Map.of(), java.nio.file.Path.of("/home/alice"),
				java.nio.file.Path.of("/home/alice/log"), java.time.Duration.ofSeconds(60));
		assertThatThrownBy(() -> BatchConfiguration.resolve(bare, "slurm", this.catalog)).hasMessageContaining("profile");
		SpawnRequest other = bare.withOptions(Map.of("profile", "small"));
		assertThatThrownBy(() -> BatchConfiguration.resolve(other, "sge", this.catalog)).hasMessageContaining("another scheduler");
		SpawnRequest tooLong = bare.withOptions(Map.of("profile", "small", "hours", "9"));
		assertThatThrownBy(() -> BatchConfiguration.resolve(tooLong, "slurm", this.catalog)).hasMessageContaining("hours");
	}
}
