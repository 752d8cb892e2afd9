package org.portico.gateway.route;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StaticFilesTests {

	private final StaticFiles novnc = new StaticFiles(Path.of("/srv/novnc"), List.of("vnc.html", "core/", "app/"));

	@Test
	void coveredPathsResolveInsideTheFolder() {
		assertThat(this.novnc.resolve("vnc.html")).isEqualTo(Path.of("/srv/novnc/vnc.html"));
		assertThat(this.novnc.resolve("core/rfb.js")).isEqualTo(Path.of("/srv/novnc/core/rfb.js"));
		assertThat(this.novnc.resolve("app/images/")).as("a folder: the gateway answers 404").isEqualTo(Path.of("/srv/novnc/app/images"));
		assertThat(this.novnc.resolve("app/images/icons/novnc-16x16.png")).isEqualTo(Path.of("/srv/novnc/app/images/icons/novnc-16x16.png"));
	}

	@Test
	void everythingElseGoesToTheServer() {
		// the index page (it holds the VNC password) and the WebSocket stay websockify's
		for (String path : List.of("", "index.html", "websockify", "vnc.html/x", "vnc.htmlx", "core", "corex/a.js", "utils/novnc_proxy")) {
			assertThat(this.novnc.resolve(path)).as(path).isNull();
		}
	}

	@Test
	void noSpellingLeavesTheFolder() {
		for (String path : List.of("core/../../etc/passwd", "core/../vnc.html", "../etc/passwd", "/etc/passwd", "core//etc/passwd",
				"core/./rfb.js", "core\\..\\x", "core/rfb.js\u0000", "core/..")) {
			assertThat(this.novnc.resolve(path)).as(path).isNull();
		}
	}

	@Test
	void aBadFolderOrPathListIsRefused() {
		assertThatThrownBy(() -> new StaticFiles(Path.of("novnc"), List.of("core/"))).hasMessageContaining("absolute");
		assertThatThrownBy(() -> new StaticFiles(Path.of("/srv"), List.of())).hasMessageContaining("static-paths");
		for (String bad : List.of("/core/", "../x", "a//b", "./a", "", "/", "a\\b")) {
			assertThatThrownBy(() -> new StaticFiles(Path.of("/srv"), List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
		}
	}
}
