package org.portico.spawner.batch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hostile form values are refused before anything is built from them. */
class JobSpecTests {

	static final BatchOptions DEFAULTS = new BatchOptions("interactive", null, 1, 0, 0, null, Duration.ofHours(1), false, null);

	static final BatchOptions.Limits LIMITS = new BatchOptions.Limits(Duration.ofHours(24), 16, 64 * 1024, 2,
			Set.of("interactive", "batch"), DEFAULTS);

	@Test
	void readsAWellFormedForm() {
		BatchOptions options = BatchOptions.fromForm(Map.of("queue", "batch", "cores", "4", "memory", "8G", "gpus", "1",
				"hours", "1.5", "immediate", "on", "account", "proj-1"), LIMITS);
		assertThat(options).isEqualTo(new BatchOptions("batch", "proj-1", 4, 8192, 1, null, Duration.ofMinutes(90), true, null));
		assertThat(BatchOptions.fromForm(Map.of(), LIMITS)).isEqualTo(DEFAULTS);
	}

	@Test
	void aBlankGresClearsTheProfilesGresWhichAMissingOneKeeps() {
		// a placement seat on Grid Engine: the profile's Slurm shard:1 must not reach qsub (issue 4)
		BatchOptions shard = new BatchOptions("interactive", null, 1, 0, 0, "shard:1", Duration.ofHours(1), false, null);
		BatchOptions.Limits limits = new BatchOptions.Limits(Duration.ofHours(24), 16, 64 * 1024, 2, Set.of("interactive"), shard);
		assertThat(BatchOptions.fromForm(Map.of(), limits).gres()).isEqualTo("shard:1");
		assertThat(BatchOptions.fromForm(Map.of("gres", ""), limits).gres()).isNull();
		assertThat(BatchOptions.fromForm(Map.of("gres", "shard:2"), limits).gres()).isEqualTo("shard:2");
	}

	@Test
	void refusesHostileFormValues() {
		List<Map<String, String>> hostile = List.of(Map.of("hours", "-1"), Map.of("hours", "0"), Map.of("hours", "1e9"),
				Map.of("hours", "99999"), Map.of("hours", "25"), Map.of("hours", "1; rm -rf ~"), Map.of("hours", "NaN"),
				Map.of("queue", "a; rm -rf ~"), Map.of("queue", "$(id)"), Map.of("queue", "`id`"), Map.of("queue", "batch\nid"),
				Map.of("queue", "debug"), Map.of("queue", "-q"), Map.of("cores", "-4"), Map.of("cores", "17"),
				Map.of("cores", "4 --uid=0"), Map.of("cores", "99999999999999999999"), Map.of("memory", "-1G"),
				Map.of("memory", "9999T"), Map.of("gpus", "3"), Map.of("account", "x'y"), Map.of("account", "a b"),
				Map.of("gres", "gpu:1;id"), Map.of("nodes", "n1 n2"), Map.of("nodes", "$(hostname)"),
				Map.of("immediate", "maybe"), Map.of("account", "acct\r\n#SBATCH --uid=0"),
				Map.of("pin.LD_PRELOAD", "/tmp/x.so"), Map.of("pin.OMP_NUM_THREADS", "2; id"),
				Map.of("pin.CUDA_VISIBLE_DEVICES", "$(id)"), Map.of("oversubscribe", "sure"));
		for (Map<String, String> form : hostile) {
			assertThatThrownBy(() -> BatchOptions.fromForm(form, LIMITS)).as(form.toString())
				.isInstanceOf(IllegalArgumentException.class)
				.satisfies((ex) -> form.values().stream()
					.filter((v) -> v.length() > 3)
					.forEach((v) -> assertThat(ex.getMessage()).doesNotContain(v)));
		}
	}

	@Test
	void specRefusesUnsafeValuesWhateverTheirSource() {
		JobSpec ok = TestJobs.spec();
		assertThat(ok.walltimeMinutes()).isEqualTo(120);
		assertThat(ok.walltimeHms()).isEqualTo("02:00:00");
		assertThatThrownBy(() -> with(ok, "queue", "a; rm -rf ~")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> with(ok, "user", "root;id")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> with(ok, "jobName", "x\ny")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> with(ok, "workDir", "/home/alice\n#SBATCH --uid=0")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> with(ok, "env", "BAD NAME")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> with(ok, "walltime", "-1")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> with(ok, "walltime", "400d")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> with(ok, "callback", "file:///etc/passwd")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void toStringNeverShowsTheSecretOrEnvironmentValues() {
		JobSpec spec = TestJobs.spec(Map.of("JUPYTER_TOKEN", "very-secret-token"), List.of("jupyter", "lab"));
		assertThat(spec.toString()).contains("JUPYTER_TOKEN").doesNotContain("very-secret-token").doesNotContain(TestJobs.SECRET);
	}

	private static JobSpec with(JobSpec s, String field, String value) {
		Map<String, String> env = new HashMap<>(s.environment());
		if (field.equals("env")) {
			env.put(value, "x");
		}
		Duration walltime = switch (field) {
			case "walltime" -> value.equals("-1") ? Duration.ofHours(-1) : Duration.ofDays(400);
			default -> s.walltime();
		};
		return new JobSpec(field.equals("user") ? value : s.user(), field.equals("jobName") ? value : s.jobName(),
				field.equals("queue") ? value : s.queue(), s.account(), s.cores(), s.memoryMiB(), s.gpus(), s.gres(), walltime,
				s.immediate(), field.equals("workDir") ? Path.of(value) : s.workDir(), s.outputFile(), s.nodeList(), env,
				s.command(), field.equals("callback") ? URI.create(value) : s.callbackUrl(), s.callbackSecret(), s.startTimeout());
	}
}
