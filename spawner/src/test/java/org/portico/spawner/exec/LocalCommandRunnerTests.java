package org.portico.spawner.exec;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalCommandRunnerTests {

	private final LocalCommandRunner runner = LocalCommandRunner.defaults();

	@Test
	void passesStdinAndReturnsOutputAndExitCode() {
		CommandResult result = this.runner
			.run(CommandLine.of("sh", "-c", "cat; echo oops >&2; exit 3"), "line one\nline 'two' $(x)\n")
			.block(Duration.ofSeconds(10));
		assertThat(result.exitCode()).isEqualTo(3);
		assertThat(result.stdout()).isEqualTo("line one\nline 'two' $(x)\n");
		assertThat(result.stderr()).isEqualTo("oops\n");
		assertThat(result.timedOut()).isFalse();
		assertThat(result.success()).isFalse();
	}

	@Test
	void givesTheCommandACleanEnvironmentPlusItsOwn() {
		CommandLine env = new CommandLine(List.of("env"), Map.of("SGE_CELL", "default"), Duration.ofSeconds(10));
		CommandResult result = this.runner.run(env).block(Duration.ofSeconds(10));
		assertThat(result.stdout().lines().sorted().toList()).containsExactly("LC_ALL=C",
				"PATH=" + LocalCommandRunner.DEFAULT_ENVIRONMENT.get("PATH"), "SGE_CELL=default");
	}

	@Test
	void killsTheWholeProcessTreeAtTheTimeout() throws Exception {
		// The grandchild keeps stdout open: only killing the tree ends the command.
		CommandLine sleepy = new CommandLine(List.of("sh", "-c", "sleep 60 & echo $!; wait"), Map.of(), Duration.ofMillis(700));
		CommandResult result = this.runner.run(sleepy).block(Duration.ofSeconds(15));
		assertThat(result.timedOut()).isTrue();
		assertThat(result.exitCode()).isEqualTo(-1);
		long grandchild = Long.parseLong(result.stdout().strip());
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false)).isFalse();
	}

	@Test
	void boundsTheOutputAndSaysSo() {
		LocalCommandRunner small = new LocalCommandRunner(LocalCommandRunner.DEFAULT_ENVIRONMENT, 64 * 1024);
		CommandResult result = small.run(CommandLine.of("sh", "-c", "yes | head -c 1000000")).block(Duration.ofSeconds(10));
		assertThat(result.exitCode()).isZero();
		assertThat(result.stdout()).hasSize(64 * 1024);
		assertThat(result.truncated()).isTrue();
		assertThat(result.success()).isFalse();
	}

	@Test
	void signalsCommandExceptionWhenTheProgramCannotStart() {
		assertThatThrownBy(() -> this.runner.run(CommandLine.of("/nonexistent/portico-no-such-program")).block(Duration.ofSeconds(10)))
			.isInstanceOf(CommandException.class);
	}

	@Test
	void commandLinePrintsEnvironmentNamesOnly() {
		CommandLine line = new CommandLine(List.of("qsub"), Map.of("TOKEN", "s3cr3t-value"), Duration.ofSeconds(1));
		assertThat(line.toString()).contains("TOKEN").doesNotContain("s3cr3t-value");
		assertThatThrownBy(() -> CommandLine.of("a\0b")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void prefixRunsAsTheUserAndRefusesUnsafeNames() {
		CommandLine squeue = new CommandLine(List.of("qstat"), Map.of("SGE_ROOT", "/var/lib/gridengine"), Duration.ofSeconds(1));
		assertThat(CommandPrefix.runuser().apply(squeue, "alice").argv()).containsExactly("runuser", "-u", "alice", "--", "qstat");
		assertThat(CommandPrefix.sudo().apply(squeue, "alice").argv()).containsExactly("sudo", "-n", "-u", "alice", "--", "env",
				"SGE_ROOT=/var/lib/gridengine", "qstat");
		for (String hostile : List.of("root;id", "-u", "a b", "$(id)", "alice\n", "", "Alice")) {
			assertThatThrownBy(() -> CommandPrefix.sudo().forUser(hostile)).isInstanceOf(IllegalArgumentException.class);
		}
	}
}
