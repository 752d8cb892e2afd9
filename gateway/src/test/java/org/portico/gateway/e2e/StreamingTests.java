package org.portico.gateway.e2e;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8: no body is ever aggregated. A gateway JVM with a 64 MiB heap streams 1 GiB up and 1 GiB
 * down through the proxy; buffering either would exhaust its heap.
 */
class StreamingTests {

	static final long GIB = 1L << 30;

	@TempDir
	Path data;

	@Test
	void aGigabyteStreamsBothWaysThroughA64MegabyteHeap() throws Exception {
		try (TestBackend backend = new TestBackend()) {
			int port = KillNineTests.freePort();
			int apiPort = KillNineTests.freePort();
			Path log = this.data.resolve("gateway.log");
			Process gateway = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
					"-XX:MaxDirectMemorySize=64m", "-cp", System.getProperty("java.class.path"), "org.portico.gateway.PorticoApplication",
					"--server.port=" + port, "--portico.data-dir=" + this.data.resolve("portico"),
					"--portico.admin.token=" + PorticoInstance.ADMIN_TOKEN, "--portico.route-api.port=" + apiPort,
					"--portico.route-api.token=" + RouteApiTests.API_TOKEN, "--portico.security.admin-access-servers=true"))
				.redirectErrorStream(true).redirectOutput(log.toFile()).start();
			try {
				String base = "http://127.0.0.1:" + port;
				HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
				RestartTests.waitUntil(Duration.ofSeconds(90), () -> {
					try {
						return http.send(HttpRequest.newBuilder(URI.create(base + "/hub/api")).build(), HttpResponse.BodyHandlers.ofString())
							.statusCode() == 200;
					}
					catch (Exception ex) {
						return false;
					}
				});
				HttpResponse<String> route = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/api/routes/user/alice"))
					.header("Authorization", "token " + RouteApiTests.API_TOKEN)
					.POST(HttpRequest.BodyPublishers.ofString("{\"target\": \"" + backend.origin() + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
				assertThat(route.statusCode()).isEqualTo(201);

				byte[] chunk = new byte[1 << 20];
				HttpResponse<String> upload = http.send(HttpRequest.newBuilder(URI.create(base + "/user/alice/count"))
					.header("Authorization", "token " + PorticoInstance.ADMIN_TOKEN).timeout(Duration.ofMinutes(3))
					.POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(() -> new Iterator<byte[]>() {
						long sent;

						public boolean hasNext() {
							return this.sent < GIB;
						}

						public byte[] next() {
							this.sent += chunk.length;
							return chunk;
						}
					}), GIB)).build(), HttpResponse.BodyHandlers.ofString());
				assertThat(upload.body()).as(() -> tail(log)).isEqualTo(Long.toString(GIB));

				HttpResponse<InputStream> download = http.send(HttpRequest.newBuilder(URI.create(base + "/user/alice/bytes/" + GIB))
					.header("Authorization", "token " + PorticoInstance.ADMIN_TOKEN).timeout(Duration.ofMinutes(3)).build(),
						HttpResponse.BodyHandlers.ofInputStream());
				long read = 0;
				try (InputStream in = download.body()) {
					byte[] buffer = new byte[1 << 16];
					for (int n; (n = in.read(buffer)) > 0;) {
						read += n;
					}
				}
				assertThat(read).isEqualTo(GIB);
				assertThat(gateway.isAlive()).as("the gateway survived with its 64 MiB heap").isTrue();
				assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
			}
			finally {
				gateway.destroyForcibly();
			}
		}
	}

	static String tail(Path log) {
		try {
			List<String> lines = Files.readAllLines(log);
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
		}
		catch (java.io.IOException ex) {
			return "";
		}
	}
}
