package org.portico.gateway.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection-level behaviour of the direct HTTP path (gh-8), against a plain-socket server
 * that counts its connections and can misbehave on purpose: requests pipelined across the direct
 * path and Reactor Netty come back in order, upstream connections are kept alive and reused, a pooled
 * connection the server closed is retried once, a server that is down gets a 502 with its reason,
 * close-delimited and chunked bodies reach HTTP/1.1 and HTTP/1.0 clients whole, an early answer to an
 * upload ends the connection cleanly, a body sent with a credential seen for the first time reaches a
 * pooled connection, a malformed chunked body is refused, and {@code portico.proxy.direct-http=false} still
 * proxies.
 */
class DirectHttpProxyTests {

	static final String API_TOKEN = "route-api-token-0123456789";

	@TempDir
	Path data;

	PorticoInstance portico;

	SocketBackend backend;

	String alice;

	final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

	@AfterEach
	void stop() throws IOException {
		if (this.portico != null) {
			this.portico.close();
		}
		if (this.backend != null) {
			this.backend.close();
		}
	}

	private void start(SocketBackend backend, String... args) throws Exception {
		this.backend = backend;
		List<String> all = new ArrayList<>(List.of("--portico.route-api.port=0", "--portico.route-api.token=" + API_TOKEN));
		all.addAll(List.of(args));
		this.portico = PorticoInstance.start(this.data, all.toArray(String[]::new));
		HubClient admin = HubClient.withToken(this.portico.base(), PorticoInstance.ADMIN_TOKEN);
		admin.post("/hub/api/users/alice", "{}");
		this.alice = admin.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText();
		String target = (backend.port() > 0) ? "http://127.0.0.1:" + backend.port() : "http://127.0.0.1:" + freePort();
		HttpResponse<String> added = this.http.send(HttpRequest.newBuilder(
				URI.create("http://127.0.0.1:" + this.portico.routeApiPort() + "/api/routes/user/alice"))
			.header("Authorization", "token " + API_TOKEN).timeout(Duration.ofSeconds(20))
			.POST(HttpRequest.BodyPublishers.ofString("{\"target\": \"" + target + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(added.statusCode()).isEqualTo(201);
	}

	@Test
	void pipelinedRequestsComeBackInOrderAcrossBothPathsOnOneConnection() throws Exception {
		start(SocketBackend.echoingPath());
		try (RawClient client = new RawClient(this.portico.port())) {
			// one write: proxied, the hub's own (Reactor Netty), proxied, a gateway answer (bob's: 403), proxied
			client.send(get("/user/alice/one") + get("/hub/api/") + get("/user/alice/two") + get("/user/bob/x") + get("/user/alice/three"));
			assertThat(client.response().body()).isEqualTo("GET /user/alice/one");
			assertThat(client.response().body()).contains("\"portico\":true");
			assertThat(client.response().body()).isEqualTo("GET /user/alice/two");
			assertThat(client.response().status()).isEqualTo(403);
			assertThat(client.response().body()).isEqualTo("GET /user/alice/three");
		}
		assertThat(this.backend.connections()).as("the proxied requests shared one upstream connection").isEqualTo(1);
	}

	@Test
	void aBodyWithAFirstUsedCredentialReachesAPooledConnection() throws Exception {
		start(SocketBackend.echoingPath(), "--portico.security.admin-access-servers=true");
		try (RawClient client = new RawClient(this.portico.port())) {
			// the admin token needs no lookup: this leaves an idle upstream connection on this event loop
			client.send("GET /user/alice/warm HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token " + PorticoInstance.ADMIN_TOKEN
					+ "\r\n\r\n");
			assertThat(client.response().body()).isEqualTo("GET /user/alice/warm");
			// alice's token was never used: it is looked up in the database (the embedded one answers at once, so
			// this does not force the asynchronous branch, where the body is held and replayed), then the body goes up
			client.send("PUT /user/alice/save HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token " + this.alice
					+ "\r\nContent-Length: 7\r\n\r\ncontent");
			assertThat(client.response().body()).isEqualTo("PUT /user/alice/save content");
		}
		assertThat(this.backend.connections()).isEqualTo(1);
	}

	@Test
	void aMalformedChunkedBodyIsRefusedAndEndsTheConnection() throws Exception {
		start(new SocketBackend((request, count) -> SocketBackend.ok("should not answer"), false));
		try (RawClient client = new RawClient(this.portico.port())) {
			client.send("POST /user/alice/up HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token " + this.alice
					+ "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
			// all of it in one read: decoded, found malformed and refused before the upstream connection is there
			RawResponse response = client.response();
			assertThat(response.status()).isEqualTo(400);
			assertThat(response.body()).contains("malformed");
			assertThat(client.atEnd()).isTrue();
		}
		assertThat(this.backend.requests()).as("nothing of the truncated upload reached the server").isEmpty();
	}

	@Test
	void upstreamConnectionsAreKeptAliveAndReused() throws Exception {
		start(SocketBackend.echoingPath());
		for (int i = 0; i < 50; i++) {
			HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/n" + i))
				.header("Authorization", "token " + this.alice).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.body()).isEqualTo("GET /user/alice/n" + i);
		}
		assertThat(this.backend.connections()).isEqualTo(1);
	}

	@Test
	void aPooledConnectionTheServerClosedIsRetriedOnceOnANewOne() throws Exception {
		// answers the first request of each connection; the second is met with a close and no answer
		start(new SocketBackend((request, count) -> (count == 1) ? SocketBackend.ok(request.line()) : null));
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/r" + i))
				.header("Authorization", "token " + this.alice).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("GET /user/alice/r" + i);
		}
		assertThat(this.backend.connections()).as("one, then one more for each later request's retry").isEqualTo(3);
		// a request with a body is not sent twice: the client hears of the failure instead
		HttpResponse<String> post = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/p"))
			.header("Authorization", "token " + this.alice).timeout(Duration.ofSeconds(20))
			.POST(HttpRequest.BodyPublishers.ofString("once")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(post.statusCode()).isEqualTo(502);
		assertThat(this.backend.requests()).as("requests the server read: %s", this.backend.requests())
			.filteredOn((line) -> line.startsWith("POST")).hasSize(1);
	}

	@Test
	void aServerThatIsDownGetsA502WithItsReason() throws Exception {
		start(SocketBackend.down());
		HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/api"))
			.header("Authorization", "token " + this.alice).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(response.body()).contains("Your server is not answering");
		// the connection stays usable
		try (RawClient client = new RawClient(this.portico.port())) {
			client.send(get("/user/alice/a") + get("/hub/api/"));
			assertThat(client.response().status()).isEqualTo(502);
			assertThat(client.response().status()).isEqualTo(200);
		}
	}

	@Test
	void closeDelimitedAndChunkedBodiesReachBothHttpVersionsWhole() throws Exception {
		String big = "x".repeat(300_000);
		start(new SocketBackend((request, count) -> request.line().contains("/close")
				? "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + big
				: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
		try (RawClient client = new RawClient(this.portico.port())) {
			client.send(get("/user/alice/close") + get("/user/alice/chunked"));
			RawResponse closeDelimited = client.response();
			assertThat(closeDelimited.headers().get("transfer-encoding")).isEqualTo("chunked");
			assertThat(closeDelimited.body()).isEqualTo(big);
			assertThat(client.response().body()).isEqualTo("hello world");
		}
		try (RawClient client = new RawClient(this.portico.port())) {
			client.send("GET /user/alice/close HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: token " + this.alice + "\r\n\r\n");
			RawResponse response = client.response();
			assertThat(response.headers()).doesNotContainKey("transfer-encoding");
			assertThat(response.body()).isEqualTo(big);
			assertThat(client.atEnd()).as("an HTTP/1.0 client's connection ends with the body").isTrue();
		}
	}

	@Test
	void anEarlyAnswerToAnUploadEndsTheConnectionCleanly() throws Exception {
		start(new SocketBackend((request, count) -> "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nnope", false));
		try (RawClient client = new RawClient(this.portico.port())) {
			client.send("POST /user/alice/up HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token " + this.alice
					+ "\r\nContent-Length: 50000000\r\n\r\n" + "y".repeat(10_000));
			RawResponse response = client.response();
			assertThat(response.status()).isEqualTo(413);
			assertThat(response.body()).isEqualTo("nope");
			assertThat(response.headers().get("connection")).isEqualTo("close");
			assertThat(client.atEnd()).isTrue();
		}
	}

	@Test
	void withTheDirectPathOffTheReactorPathProxies() throws Exception {
		start(SocketBackend.echoingPath(), "--portico.proxy.direct-http=false");
		try (RawClient client = new RawClient(this.portico.port())) {
			client.send(get("/user/alice/one") + get("/user/alice/two"));
			assertThat(client.response().body()).isEqualTo("GET /user/alice/one");
			assertThat(client.response().body()).isEqualTo("GET /user/alice/two");
		}
		HttpResponse<String> post = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/p"))
			.header("Authorization", "token " + this.alice).timeout(Duration.ofSeconds(20)).expectContinue(true)
			.POST(HttpRequest.BodyPublishers.ofString("body")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(post.body()).isEqualTo("POST /user/alice/p body");
	}

	@Test
	void expectContinueGoesThroughTheReactorPath() throws Exception {
		start(SocketBackend.echoingPath());
		HttpResponse<String> post = this.http.send(HttpRequest.newBuilder(URI.create(this.portico.base() + "/user/alice/p"))
			.header("Authorization", "token " + this.alice).timeout(Duration.ofSeconds(20)).expectContinue(true)
			.POST(HttpRequest.BodyPublishers.ofString("body")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(post.statusCode()).isEqualTo(200);
		assertThat(post.body()).isEqualTo("POST /user/alice/p body");
	}

	private String get(String path) {
		return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token " + this.alice + "\r\n\r\n";
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	record RawResponse(int status, Map<String, String> headers, String body) {
	}

	/** A client that writes bytes as given and reads responses one at a time (Content-Length, chunked or to the end). */
	static final class RawClient implements AutoCloseable {

		private final Socket socket;

		private final InputStream in;

		RawClient(int port) throws IOException {
			this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
			this.socket.setSoTimeout(20_000);
			this.in = new java.io.BufferedInputStream(this.socket.getInputStream());
		}

		void send(String text) throws IOException {
			OutputStream out = this.socket.getOutputStream();
			out.write(text.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
		}

		RawResponse response() throws IOException {
			String status = line();
			Map<String, String> headers = new LinkedHashMap<>();
			for (String header; !(header = line()).isEmpty();) {
				int colon = header.indexOf(':');
				headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
			}
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			if (headers.containsKey("content-length")) {
				body.write(this.in.readNBytes(Integer.parseInt(headers.get("content-length"))));
			}
			else if ("chunked".equals(headers.get("transfer-encoding"))) {
				for (int size; (size = Integer.parseInt(line().trim(), 16)) > 0;) {
					body.write(this.in.readNBytes(size));
					line();
				}
				line();
			}
			else {
				body.write(this.in.readAllBytes());
			}
			return new RawResponse(Integer.parseInt(status.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8));
		}

		boolean atEnd() throws IOException {
			try {
				return this.in.read() < 0;
			}
			catch (java.net.SocketException ex) {
				return true; // closed with a reset: ended all the same
			}
		}

		private String line() throws IOException {
			StringBuilder line = new StringBuilder();
			for (int c; (c = this.in.read()) != '\n';) {
				if (c < 0) {
					throw new IOException("connection ended in a response: " + line);
				}
				if (c != '\r') {
					line.append((char) c);
				}
			}
			return line.toString();
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}
	}

	/** A request as the backend read it. */
	record Request(String line, Map<String, String> headers, String body) {
	}

	/**
	 * An HTTP/1.1 server on plain sockets, one thread per connection: {@code answer} gets each request
	 * and the number of requests seen on its connection, and returns the raw response, or
	 * {@code null} to close the connection without one.
	 */
	static final class SocketBackend implements AutoCloseable {

		private final ServerSocket server;

		private final AtomicInteger connections = new AtomicInteger();

		private final List<String> requests = new CopyOnWriteArrayList<>();

		static SocketBackend echoingPath() throws IOException {
			return new SocketBackend((request, count) -> ok(request.line() + (request.body().isEmpty() ? "" : " " + request.body())));
		}

		static SocketBackend down() {
			return new SocketBackend();
		}

		static String ok(String body) {
			byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
			return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + bytes.length + "\r\n\r\n" + body;
		}

		private SocketBackend() {
			this.server = null;
		}

		SocketBackend(BiFunction<Request, Integer, String> answer) throws IOException {
			this(answer, true);
		}

		/** {@code readBodies}: whether a request's body is read before it is answered. */
		SocketBackend(BiFunction<Request, Integer, String> answer, boolean readBodies) throws IOException {
			this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			Thread acceptor = new Thread(() -> {
				while (!this.server.isClosed()) {
					try {
						Socket socket = this.server.accept();
						int number = this.connections.incrementAndGet();
						Thread connection = new Thread(() -> serve(socket, answer, readBodies), "socket-backend-connection-" + number);
						connection.setDaemon(true);
						connection.start();
					}
					catch (IOException ex) {
						return;
					}
				}
			}, "socket-backend");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		private void serve(Socket socket, BiFunction<Request, Integer, String> answer, boolean readBodies) {
			try (socket) {
				InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
				for (int count = 1;; count++) {
					String line = readLine(in);
					if (line == null) {
						return;
					}
					Map<String, String> headers = new LinkedHashMap<>();
					for (String header; (header = readLine(in)) != null && !header.isEmpty();) {
						int colon = header.indexOf(':');
						headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
					}
					String body = "";
					if (readBodies && headers.containsKey("content-length")) {
						body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
					}
					this.requests.add(line);
					String response = answer.apply(new Request(line.substring(0, line.lastIndexOf(' ')), headers, body), count);
					if (response == null) {
						return;
					}
					socket.getOutputStream().write(response.getBytes(StandardCharsets.UTF_8));
					socket.getOutputStream().flush();
					if (response.contains("\r\nConnection: close\r\n") || !readBodies) {
						return;
					}
				}
			}
			catch (IOException ex) {
				// the gateway closed the connection
			}
		}

		private static String readLine(InputStream in) throws IOException {
			StringBuilder line = new StringBuilder();
			for (int c; (c = in.read()) != '\n';) {
				if (c < 0) {
					return null;
				}
				if (c != '\r') {
					line.append((char) c);
				}
			}
			return line.toString();
		}

		int port() {
			return (this.server != null) ? this.server.getLocalPort() : -1;
		}

		int connections() {
			return this.connections.get();
		}

		List<String> requests() {
			return this.requests;
		}

		@Override
		public void close() throws IOException {
			if (this.server != null) {
				this.server.close();
			}
		}
	}
}
