package org.portico.spawner.batch;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.LocalCommandRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Property test: bash reads every quoted value back exactly, and expands nothing. */
class ShellQuotingTests {

	static final List<String> HOSTILE = List.of("a; rm -rf ~", "$(touch /tmp/portico-pwned)", "`id`", "'", "''", "\"",
			"it's", "a'b\"c", "line1\nline2", "\n", "$HOME", "${PATH}", "*", "~", "-n", "--", "\\", "\\'", "a\tb",
			"!!", "#comment", "x > /tmp/portico-pwned", "é ü 日本", "", " ", "$'\\x41'", "a\rb", "%s%n", "{port}");

	@Test
	void bashReadsBackEveryValueExactly() {
		List<String> values = new ArrayList<>(HOSTILE);
		Random random = new Random(42);
		String alphabet = "ab '\"`$\\!*?~#;&|<>(){}[]\n\t-=%^é";
		for (int i = 0; i < 300; i++) {
			StringBuilder s = new StringBuilder();
			int n = random.nextInt(12);
			for (int j = 0; j < n; j++) {
				s.append(alphabet.charAt(random.nextInt(alphabet.length())));
			}
			values.add(s.toString());
		}
		StringBuilder script = new StringBuilder("set -eu\n");
		for (String value : values) {
			script.append("printf '%s\\0' ").append(ShellQuoting.quote(value)).append('\n');
		}
		CommandResult result = LocalCommandRunner.defaults()
			.run(new CommandLine(List.of("bash", "-c", script.toString()), java.util.Map.of(), Duration.ofSeconds(20)))
			.block(Duration.ofSeconds(30));
		assertThat(result.exitCode()).as(result.stderr()).isZero();
		String expected = String.join("\0", values) + "\0";
		assertThat(result.stdout()).isEqualTo(expected);
		assertThat(new java.io.File("/tmp/portico-pwned")).doesNotExist();
	}

	@Test
	void portTokenBecomesTheRuntimeVariableAndTheRestStaysQuoted() {
		assertThat(ShellQuoting.wordWithPort("--port={port}")).isEqualTo("'--port='\"$PORTICO_PORT\"");
		assertThat(ShellQuoting.wordWithPort("{port}")).isEqualTo("\"$PORTICO_PORT\"");
		assertThat(ShellQuoting.wordWithPort("$(x){port}'")).isEqualTo("'$(x)'\"$PORTICO_PORT\"''\\'''");
		assertThat(ShellQuoting.wordWithPort("plain")).isEqualTo("'plain'");
	}

	@Test
	void refusesNul() {
		assertThatThrownBy(() -> ShellQuoting.quote("a\0b")).isInstanceOf(IllegalArgumentException.class);
	}

	static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}
}
