package org.portico.gateway.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppDescriptorsTests {

	@TempDir
	Path dir;

	@Test
	void theBuiltInJupyterIsADescriptorWithItsFields() {
		AppDefinition jupyter = AppDescriptors.builtIn().get("jupyter");
		assertThat(jupyter.displayName()).isEqualTo("Jupyter Notebook");
		assertThat(jupyter.command()).startsWith("jupyter-notebook").contains("--NotebookApp.base_url={base_url}");
		assertThat(jupyter.stripsPrefix()).isFalse();
		assertThat(jupyter.authorization("s3cret")).isEqualTo("token s3cret");
		assertThat(jupyter.activityProbe()).isEqualTo("jupyter");
		assertThat(jupyter.environment()).containsEntry("PYTHONPATH", "{runtime_dir}/python");
	}

	@Test
	void theBuiltInCodeServerIsLoggedInByACookieHoldingAnArgon2HashOfTheSecret() {
		AppDefinition code = AppDescriptors.builtIn().get("code-server");
		assertThat(code.displayName()).isEqualTo("VS Code");
		assertThat(code.stripsPrefix()).isTrue();
		assertThat(code.authorization("s3cret")).isNull();
		assertThat(code.secretEnv()).isEqualTo("HASHED_PASSWORD");
		assertThat(code.command()).startsWith("code-server").contains("--auth=password", "--cookie-suffix={server_key}",
				"--disable-telemetry", "--disable-update-check");
		var cookie = code.cookie("s3cret", "alice", "alice-code");
		assertThat(cookie.name()).isEqualTo("code-server-session-alice-code");
		assertThat(cookie.value()).startsWith("$argon2id$v=19$").isEqualTo(code.secretForServer("s3cret"))
			.as("the same secret gives the same hash: a restarted gateway presents what the server expects")
			.isEqualTo(code.cookie("s3cret", "alice", "alice-code").value());
		assertThat(code.secretForServer("other")).isNotEqualTo(cookie.value());
		assertThat(cookie.value()).doesNotContain("s3cret");
	}

	@Test
	void cookieAuthNeedsACookieNameThatIsAToken() {
		assertThatThrownBy(() -> new AppDefinition("X", "", java.util.List.of("x"), null, null, null, "", "", "", "", "strip", "cookie", "", "",
				"", null, "", null)).hasMessageContaining("auth-cookie");
		assertThatThrownBy(() -> new AppDefinition("X", "", java.util.List.of("x"), null, null, null, "", "", "", "", "strip", "cookie", "",
				"a=b; c", "", null, "", null)).hasMessageContaining("cookie name");
		assertThatThrownBy(() -> new AppDefinition("X", "", java.util.List.of("x"), null, null, null, "", "", "", "", "strip", "none", "", "",
				"md5", null, "", null)).hasMessageContaining("secret-hash");
	}

	@Test
	void yamlAndJsonFilesBindWithTheConfigurationsDefaults() throws Exception {
		Files.writeString(this.dir.resolve("files.yaml"), """
				display-name: Files
				prefix: strip
				auth: none
				command: [python3, -m, http.server, "{port}"]
				""");
		Files.writeString(this.dir.resolve("board.json"), """
				{"display-name": "Board", "icon": "B", "command": ["tensorboard", "--port", "{port}"], "ready-path": "healthz"}
				""");
		Files.writeString(this.dir.resolve("README.md"), "not a descriptor");
		Map<String, AppDefinition> apps = AppDescriptors.load(this.dir);
		assertThat(apps).containsOnlyKeys("board", "files");
		AppDefinition files = apps.get("files");
		assertThat(files.stripsPrefix()).isTrue();
		assertThat(files.authorization("s3cret")).isNull();
		assertThat(files.command()).containsExactly("python3", "-m", "http.server", "{port}");
		assertThat(files.description()).isEmpty();
		assertThat(files.rootArgs()).isEmpty();
		AppDefinition board = apps.get("board");
		assertThat(board.prefix()).isEqualTo("keep");
		assertThat(board.auth()).isEqualTo("token");
		assertThat(board.readyPath()).isEqualTo("healthz");
		assertThat(board.icon()).isEqualTo("B");
	}

	@Test
	void aBrokenDescriptorStopsTheStartWithAMessageThatNamesIt() throws Exception {
		for (Map.Entry<String, String> bad : Map.of(
				"sideways.yaml", "display-name: X\ncommand: [x]\nprefix: sideways\n",
				"nocmd.yaml", "display-name: X\n",
				"noname.yaml", "command: [x]\n",
				"badauth.yaml", "display-name: X\ncommand: [x]\nauth: password\n",
				"broken.yaml", "display-name: [unclosed\n",
				"escape.yaml", "display-name: X\ncommand: [x]\nstatic-dir: /usr/share/novnc\nstatic-paths: [../etc/]\n",
				"nodir.yaml", "display-name: X\ncommand: [x]\nstatic-paths: [core/]\n",
				"Bad Name.yaml", "display-name: X\ncommand: [x]\n").entrySet()) {
			Path one = Files.createTempDirectory(this.dir, "case");
			Files.writeString(one.resolve(bad.getKey()), bad.getValue());
			assertThatThrownBy(() -> AppDescriptors.load(one)).as(bad.getKey()).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining(bad.getKey());
		}
		Path twice = Files.createTempDirectory(this.dir, "twice");
		Files.writeString(twice.resolve("a.yaml"), "display-name: A\ncommand: [a]\n");
		Files.writeString(twice.resolve("a.json"), "{\"display-name\": \"A\", \"command\": [\"a\"]}");
		assertThatThrownBy(() -> AppDescriptors.load(twice)).hasMessageContaining("another file already describes 'a'");
		assertThatThrownBy(() -> AppDescriptors.load(this.dir.resolve("missing"))).hasMessageContaining("not a folder");
	}

	@Test
	void theBuiltInDesktopServesNoVncsFilesButNotItsIndexPage() {
		org.portico.gateway.route.StaticFiles files = AppDescriptors.builtIn().get("desktop").staticFiles();
		assertThat(files).isNotNull();
		assertThat(files.dir()).isEqualTo(Path.of("/usr/share/novnc"));
		assertThat(files.resolve("core/rfb.js")).isEqualTo(Path.of("/usr/share/novnc/core/rfb.js"));
		assertThat(files.resolve("vnc.html")).isNotNull();
		assertThat(files.resolve("index.html")).as("the launcher's page with the VNC password").isNull();
		assertThat(files.resolve("websockify")).isNull();
		assertThat(AppDescriptors.builtIn().get("jupyter").staticFiles()).isNull();
	}
}
