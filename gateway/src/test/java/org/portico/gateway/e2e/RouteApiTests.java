package org.portico.gateway.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * configurable-http-proxy's REST API, and the proxy mechanics on routes it adds: auth and owner
 * checks in portico mode, headers, streamed bodies, WebSocket subprotocols and close codes, and the
 * passthrough mode for an existing JupyterHub.
 */
class RouteApiTests {

	static final String API_TOKEN = "route-api-token-0123456789";

	@TempDir
	Path data;

	TestBackend backend;

	PorticoInstance portico;

	final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@BeforeEach
	void start() {
		this.backend = new TestBackend();
	}

	@AfterEach
	void stop() {
		if (this.portico != null) {
			this.portico.close();
		}
		this.backend.close();
	}

	private PorticoInstance portico(String mode) {
		this.portico = PorticoInstance.start(this.data, "--portico.route-api.port=0", "--portico.route-api.token=" + API_TOKEN,
				"--portico.route-api.mode=" + mode);
		return this.portico;
	}

	private HttpResponse<String> api(String method, String path, String body, String token) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.portico.routeApiPort() + path))
			.timeout(Duration.ofSeconds(20))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		if (token != null) {
			request.header("Authorization", "token " + token);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void routesAddedThroughTheApiFollowPorticosAuthAndOwnerRules() throws Exception {
		portico("portico");
		HubClient admin = HubClient.withToken(this.portico.base(), PorticoInstance.ADMIN_TOKEN);
		admin.post("/hub/api/users/alice", "{}");
		admin.post("/hub/api/users/bob", "{}");
		String alice = admin.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText();
		String bob = admin.post("/hub/api/users/bob/tokens", "{}").json().get("token").asText();

		assertThat(api("POST", "/api/routes/user/alice", "{\"target\": \"" + this.backend.origin() + "\"}", null).statusCode()).isEqualTo(403);
		assertThat(api("POST", "/api/routes/user/alice", "{\"target\": \"" + this.backend.origin() + "\"}", "wrong").statusCode()).isEqualTo(403);
		assertThat(api("POST", "/api/routes/hub", "{\"target\": \"" + this.backend.origin() + "\"}", API_TOKEN).statusCode())
			.as("outside /user/NAME/ in portico mode").isEqualTo(400);
		assertThat(api("POST", "/api/routes/user/alice", "{\"target\": \"file:///etc\"}", API_TOKEN).statusCode()).isEqualTo(400);
		assertThat(api("POST", "/api/routes/user/alice", "not json", API_TOKEN).statusCode()).isEqualTo(400);
		assertThat(api("POST", "/api/routes/user/alice", "{\"target\": \"" + this.backend.origin() + "\", \"user\": \"alice\"}", API_TOKEN)
			.statusCode()).isEqualTo(201);

		JsonNode routes = new ObjectMapper().readTree(api("GET", "/api/routes", null, API_TOKEN).body());
		assertThat(routes.path("/user/alice").path("target").asText()).isEqualTo(this.backend.origin());
		assertThat(routes.path("/user/alice").path("user").asText()).isEqualTo("alice");

		HubClient asAlice = HubClient.withToken(this.portico.base(), alice);
		// authenticated by ?token=: the gateway's credential is not passed on
		HubClient.Response echoed = new HubClient(this.portico.base()).get("/user/alice/x/headers?token=" + alice + "&keep=1");
		assertThat(echoed.status()).isEqualTo(200);
		JsonNode headers = echoed.json();
		assertThat(headers.path("host").asText()).isEqualTo("127.0.0.1:" + this.portico.port());
		assertThat(headers.path("x-forwarded-proto").asText()).isEqualTo("http");
		assertThat(headers.path("x-forwarded-for").asText()).isEqualTo("127.0.0.1");
		assertThat(headers.has("authorization")).as("the user's token is not passed on").isFalse();
		assertThat(headers.path(":uri").asText()).isEqualTo("/user/alice/x/headers?keep=1");
		// authenticated by the header: a ?token= is the server's own and passes untouched
		assertThat(asAlice.get("/user/alice/x/headers?token=servers-own&keep=1").json().path(":uri").asText())
			.isEqualTo("/user/alice/x/headers?token=servers-own&keep=1");
		assertThat(asAlice.get("/user/alice/x/headers").json().has("authorization")).as("the header is not passed on").isFalse();

		assertThat(HubClient.withToken(this.portico.base(), bob).get("/user/alice/x/headers").status()).isEqualTo(403);
		assertThat(new HubClient(this.portico.base()).get("/user/alice/x/headers").status()).isEqualTo(403);

		assertThat(api("DELETE", "/api/routes/user/alice", null, API_TOKEN).statusCode()).isEqualTo(204);
		assertThat(asAlice.get("/user/alice/x/headers").status()).isEqualTo(503);
	}

	@Test
	void bodiesStreamBothWaysAndWebSocketsKeepSubprotocolAndCloseCode() throws Exception {
		portico("portico");
		HubClient admin = HubClient.withToken(this.portico.base(), PorticoInstance.ADMIN_TOKEN);
		admin.post("/hub/api/users/alice", "{}");
		String alice = admin.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText();
		api("POST", "/api/routes/user/alice", "{\"target\": \"" + this.backend.origin() + "\"}", API_TOKEN);

		long size = 64L * 1024 * 1024;
		HttpResponse<String> upload = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/count"))
			.header("Authorization", "token " + alice).timeout(Duration.ofSeconds(60))
			.POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(() -> new java.util.Iterator<byte[]>() {
				long sent;

				public boolean hasNext() {
					return this.sent < size;
				}

				public byte[] next() {
					this.sent += 1 << 20;
					return new byte[1 << 20];
				}
			}), size)).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(upload.body()).isEqualTo(Long.toString(size));

		HttpResponse<java.io.InputStream> download = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/bytes/" + size))
			.header("Authorization", "token " + alice).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
		assertThat(download.headers().firstValue("content-length")).contains(Long.toString(size));
		long read = 0;
		try (java.io.InputStream in = download.body()) {
			byte[] buffer = new byte[1 << 16];
			for (int n; (n = in.read(buffer)) > 0;) {
				read += n;
			}
		}
		assertThat(read).isEqualTo(size);

		LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
		CompletableFuture<Integer> closed = new CompletableFuture<>();
		WebSocket socket = this.http.newWebSocketBuilder().header("Authorization", "token " + alice).subprotocols(TestBackend.SUBPROTOCOL)
			.buildAsync(URI.create(this.portico.base().replace("http", "ws") + "/user/alice/ws"), new WebSocket.Listener() {
				StringBuilder text = new StringBuilder();

				public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
					this.text.append(data);
					if (last) {
						messages.add(this.text.toString());
						this.text.setLength(0);
					}
					ws.request(1);
					return null;
				}

				public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
					messages.add("binary:" + data.remaining());
					ws.request(1);
					return null;
				}

				public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
					closed.complete(status);
					return null;
				}
			}).get(20, TimeUnit.SECONDS);
		assertThat(socket.getSubprotocol()).isEqualTo(TestBackend.SUBPROTOCOL);
		String big = "x".repeat(200_000);
		socket.sendText("hello", true).get(10, TimeUnit.SECONDS);
		socket.sendText(big, true).get(10, TimeUnit.SECONDS);
		socket.sendBinary(ByteBuffer.wrap(new byte[1234]), true).get(10, TimeUnit.SECONDS);
		assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");
		assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo(big);
		assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("binary:1234");
		socket.sendText("close:4002", true).get(10, TimeUnit.SECONDS);
		assertThat(closed.get(10, TimeUnit.SECONDS)).as("the server's close code reaches the client").isEqualTo(4002);
	}

	@Test
	void passthroughModeProxiesLikeChpAndLeavesAuthToTheServers() throws Exception {
		portico("passthrough");
		assertThat(api("POST", "/api/routes/", "{\"target\": \"" + this.backend.origin() + "\"}", API_TOKEN).statusCode()).isEqualTo(201);
		HttpResponse<String> echoed = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/anything/headers"))
			.header("Authorization", "token jupyterhub-token").header("Cookie", "jupyterhub-session-id=abc").build(),
				HttpResponse.BodyHandlers.ofString());
		JsonNode headers = new ObjectMapper().readTree(echoed.body());
		assertThat(headers.path("authorization").asText()).isEqualTo("token jupyterhub-token");
		assertThat(headers.path("cookie").asText()).isEqualTo("jupyterhub-session-id=abc");
		assertThat(new ObjectMapper().readTree(api("GET", "/api/routes", null, API_TOKEN).body()).has("/")).isTrue();
		assertThat(api("DELETE", "/api/routes/", null, API_TOKEN).statusCode()).isEqualTo(204);
		assertThat(this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/hub/api")).build(),
				HttpResponse.BodyHandlers.ofString()).body()).as("Portico's own hub again").contains("portico");
	}
}
