package org.portico.envmodules;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The process runner against real, harmless commands of the operating system.
 */
class ProcessToolRunnerTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final ProcessToolRunner runner = new ProcessToolRunner();

	@Test
	void theChildGetsExactlyTheGivenEnvironmentAndAPrivateHome() {
		ToolResult result = this.runner.run(List.of("/usr/bin/env"), Map.of("ONLY", "this", "PATH", "/usr/bin:/bin"),
				TIMEOUT);

		assertThat(result.exitCode()).isZero();
		List<String> lines = result.stdout().lines().toList();
		assertThat(lines).contains("ONLY=this", "PATH=/usr/bin:/bin").hasSize(3);
		String home = lines.stream().filter((l) -> l.startsWith("HOME=")).findFirst().orElseThrow().substring(5);
		assertThat(home).contains("portico-modules-");
		// the scratch directory is gone afterwards
		assertThat(Path.of(home)).doesNotExist();
		assertThat(System.getenv()).doesNotContainKey("ONLY");
	}

	@Test
	void argumentsReachTheChildVerbatimWithoutAShell() {
		ToolResult result = this.runner.run(List.of("/bin/echo", "$(id)", "a;b", "`x`", "*"), Map.of(), TIMEOUT);
		assertThat(result.stdout()).isEqualTo("$(id) a;b `x` *\n");
	}

	@Test
	void keepsStdoutStderrAndExitCodeApart() {
		ToolResult result = this.runner.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"), Map.of(), TIMEOUT);
		assertThat(result.stdout()).isEqualTo("out\n");
		assertThat(result.stderr()).isEqualTo("err\n");
		assertThat(result.exitCode()).isEqualTo(3);
	}

	@Test
	void standardInputIsClosed() {
		// cat would wait forever on an open stdin
		ToolResult result = this.runner.run(List.of("/bin/cat"), Map.of(), TIMEOUT);
		assertThat(result.exitCode()).isZero();
		assertThat(result.stdout()).isEmpty();
	}

	@Test
	void aCommandThatRunsTooLongIsKilledWithItsChildren() throws Exception {
		Path marker = Files.createTempFile("portico-runner-", ".pid");
		try {
			long start = System.nanoTime();
			assertThatExceptionOfType(ModuleException.class)
				.isThrownBy(() -> this.runner.run(List.of("/bin/sh", "-c", "sleep 30 & echo $! > " + marker + "; wait"),
						Map.of(), Duration.ofMillis(300)))
				.satisfies((ex) -> {
					assertThat(ex.reason()).isEqualTo(ModuleException.Reason.TIMEOUT);
					assertThat(ex.getMessage()).isEqualTo("/bin/sh did not finish within 300 ms and was killed");
				});
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			long sleeper = Long.parseLong(Files.readString(marker).strip());
			assertThat(goneWithin(sleeper, Duration.ofSeconds(5))).as("sleep 30 killed with its parent").isTrue();
		}
		finally {
			Files.deleteIfExists(marker);
		}
	}

	/** Whether a process ends (or is a zombie: killed, not yet reaped by init) within the time. */
	private static boolean goneWithin(long pid, Duration limit) throws Exception {
		long deadline = System.nanoTime() + limit.toNanos();
		do {
			String text;
			try {
				text = Files.readString(Path.of("/proc/" + pid + "/stat"));
			}
			catch (NoSuchFileException ex) {
				return true;
			}
			char state = text.charAt(text.lastIndexOf(')') + 2);
			if (state == 'Z' || state == 'X') {
				return true;
			}
			Thread.sleep(20);
		}
		while (System.nanoTime() < deadline);
		return false;
	}

	@Test
	void aMissingCommandIsAToolFailure() {
		assertThatExceptionOfType(ModuleException.class)
			.isThrownBy(() -> this.runner.run(List.of("/nonexistent/modulecmd.tcl"), Map.of(), TIMEOUT))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(ModuleException.Reason.TOOL_FAILED);
				assertThat(ex.getMessage()).startsWith("cannot run /nonexistent/modulecmd.tcl");
			});
	}

	@Test
	void toolMessagesLoseColourCodesAndAreBounded() {
		assertThat(ToolResult.clean("\u001B[1;31mERROR\u001B[0m: x  \n\n\n\nnext\n")).isEqualTo("ERROR: x\n\nnext");
		assertThat(ToolResult.clean("e".repeat(5000))).hasSize(ToolResult.MAX_MESSAGE + " [...]".length());
	}

}
