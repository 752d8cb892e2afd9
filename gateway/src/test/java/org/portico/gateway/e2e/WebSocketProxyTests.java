package org.portico.gateway.e2e;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebSocket proxy's mechanics against a Reactor Netty server (gh-8, where the server-to-client
 * direction became a byte tunnel): a server that speaks first, 1 MiB binary frames both ways, close
 * codes and reasons both ways, ping and pong, activity from the client's frames, and backpressure
 * from a client that does not read, and a gateway that stops ending its sockets with 1001.
 */
class WebSocketProxyTests {

	static final String API_TOKEN = "route-api-token-0123456789";

	@TempDir
	Path data;

	DisposableServer backend;

	PorticoInstance portico;

	String alice;

	/** The close status the backend last received from a client. */
	final AtomicReference<WebSocketCloseStatus> clientClose = new AtomicReference<>();

	/** Bytes the flooding route has handed to its connection so far. */
	final AtomicLong flooded = new AtomicLong();

	final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@BeforeEach
	void start() throws Exception {
		byte[] chunk = new byte[64 * 1024];
		// @formatter:off
		this.backend = HttpServer.create().host("127.0.0.1").port(0).route((routes) -> routes
			// speaks first, as a VNC server does, then echoes
			.ws("/user/alice/hello", (in, out) -> out.sendObject(Flux.concat(Mono.just(new TextWebSocketFrame("hello")),
					in.receiveFrames().map(WebSocketFrame::retain))))
			// echoes; "close:CODE" makes it close with that code; records the client's close
			.ws("/**/channels", (in, out) -> {
				in.receiveCloseStatus().subscribe(this.clientClose::set);
				return out.sendObject(in.receiveFrames().concatMap((frame) -> {
					if (frame instanceof TextWebSocketFrame text && text.text().startsWith("close:")) {
						return out.sendClose(Integer.parseInt(text.text().substring(6)), "server says bye").then(Mono.<WebSocketFrame>empty());
					}
					return Mono.just(frame.retain());
				}));
			}, WebsocketServerSpec.builder().maxFramePayloadLength(8 << 20).build())
			// 128 MiB as fast as the connection takes it
			.ws("/user/alice/flood", (in, out) -> out.sendObject(Flux.range(0, 2048)
					.map((i) -> new BinaryWebSocketFrame(Unpooled.wrappedBuffer(chunk)))
					.doOnNext((frame) -> this.flooded.addAndGet(chunk.length)))))
			.bindNow();
		// @formatter:on
		this.portico = PorticoInstance.start(this.data, "--portico.route-api.port=0", "--portico.route-api.token=" + API_TOKEN);
		HubClient admin = HubClient.withToken(this.portico.base(), PorticoInstance.ADMIN_TOKEN);
		admin.post("/hub/api/users/alice", "{}");
		this.alice = admin.post("/hub/api/users/alice/tokens", "{}").json().get("token").asText();
		HttpResponse<String> added = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.portico.routeApiPort() + "/api/routes/user/alice"))
					.header("Authorization", "token " + API_TOKEN).timeout(Duration.ofSeconds(20))
					.POST(HttpRequest.BodyPublishers.ofString("{\"target\": \"http://127.0.0.1:" + this.backend.port() + "\"}")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(added.statusCode()).isEqualTo(201);
	}

	@AfterEach
	void stop() {
		if (this.portico != null) {
			this.portico.close();
		}
		this.backend.disposeNow(Duration.ofSeconds(10));
	}

	@Test
	void whatTheServerSendsFirstReachesTheClient() throws Exception {
		Recorder recorder = new Recorder(true);
		WebSocket socket = open("/user/alice/hello", recorder);
		assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");
		socket.sendText("and back", true).get(10, TimeUnit.SECONDS);
		assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("and back");
	}

	@Test
	void aGatewayThatStopsTellsServerAndClientItIsGoingAway() throws Exception {
		Recorder recorder = new Recorder(true);
		WebSocket socket = open("/user/alice/x/channels", recorder);
		socket.sendText("before", true).get(10, TimeUnit.SECONDS);
		assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("before");

		long start = System.nanoTime();
		this.portico.close();
		Duration stopping = Duration.ofNanos(System.nanoTime() - start);
		this.portico = null;
		assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).as("the server's answer to the gateway's close reaches the client")
			.isEqualTo("1001 Portico is restarting");
		for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); this.clientClose.get() == null && System.nanoTime() < deadline;) {
			Thread.sleep(20);
		}
		assertThat(this.clientClose.get()).as("what the server heard").isNotNull().extracting(WebSocketCloseStatus::code).isEqualTo(1001);
		// the web server's graceful shutdown waits up to 30 s for open connections; an open socket no longer holds it
		assertThat(stopping).isLessThan(Duration.ofSeconds(20));
	}

	@Test
	void oneMebibyteBinaryFramesCrossBothWaysIntact() throws Exception {
		Recorder recorder = new Recorder(true);
		WebSocket socket = open("/user/alice/x/channels", recorder);
		byte[] big = new byte[1 << 20];
		new Random(8).nextBytes(big);
		for (int i = 0; i < 3; i++) {
			socket.sendBinary(ByteBuffer.wrap(big), true).get(20, TimeUnit.SECONDS);
			assertThat(recorder.binaries.poll(20, TimeUnit.SECONDS)).as("echo %d", i).isNotNull().satisfies((echo) -> assertThat(Arrays.equals(echo, big)).isTrue());
		}
	}

	@Test
	void closeCodesAndReasonsCrossBothWays() throws Exception {
		Recorder fromServer = new Recorder(true);
		WebSocket first = open("/user/alice/x/channels", fromServer);
		first.sendText("close:4002", true).get(10, TimeUnit.SECONDS);
		assertThat(fromServer.closed.get(10, TimeUnit.SECONDS)).as("the server's close reaches the client").isEqualTo("4002 server says bye");

		this.clientClose.set(null);
		Recorder fromClient = new Recorder(true);
		WebSocket second = open("/user/alice/x/channels", fromClient);
		second.sendText("ping me", true).get(10, TimeUnit.SECONDS);
		assertThat(fromClient.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("ping me");
		second.sendClose(4100, "client says bye").get(10, TimeUnit.SECONDS);
		RestartTests.waitUntil(Duration.ofSeconds(10), () -> this.clientClose.get() != null);
		assertThat(this.clientClose.get().code()).as("the client's close reaches the server").isEqualTo(4100);
		assertThat(this.clientClose.get().reasonText()).isEqualTo("client says bye");
		assertThat(fromClient.closed.get(10, TimeUnit.SECONDS)).as("the server's answer to the close reaches the client").startsWith("4100");
	}

	@Test
	void pingsGoToTheServerAndItsPongsComeBack() throws Exception {
		Recorder recorder = new Recorder(true);
		WebSocket socket = open("/user/alice/x/channels", recorder);
		socket.sendPing(ByteBuffer.wrap("are you there".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
		assertThat(recorder.pongs.poll(10, TimeUnit.SECONDS)).isEqualTo("are you there");
	}

	@Test
	void onlyAPersonsKernelMessagesCountAsHumanActivity() throws Exception {
		Recorder recorder = new Recorder(true);
		WebSocket socket = open("/user/alice/api/kernels/k1/channels", recorder);
		socket.sendText("{\"header\": {\"msg_type\": \"kernel_info_request\"}}", true).get(10, TimeUnit.SECONDS);
		assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).contains("kernel_info_request");
		assertThat(this.portico.activity("/user/alice/").any()).as("the socket's traffic is seen").isPositive();
		assertThat(this.portico.activity("/user/alice/").human()).as("a poll is no person's action").isZero();
		socket.sendText("{\"header\": {\"msg_type\": \"execute_request\"}}", true).get(10, TimeUnit.SECONDS);
		assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).contains("execute_request");
		assertThat(this.portico.activity("/user/alice/").human()).as("an execute_request is").isPositive();
	}

	@Test
	void aClientThatDoesNotReadHoldsTheServerBackAndThenGetsEverything() throws Exception {
		Recorder recorder = new Recorder(false);
		WebSocket socket = open("/user/alice/flood", recorder);
		// bounded: wait until the server has stopped getting rid of bytes (every buffer on the way is full)
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
		long before;
		do {
			before = this.flooded.get();
			Thread.sleep(1_000);
		}
		while (this.flooded.get() != before && System.nanoTime() < deadline);
		long total = 2048L * 64 * 1024;
		// socket buffers on loopback grow to a few MiB each; a gateway that buffered what it cannot
		// write would have taken all 128 MiB by now
		assertThat(this.flooded.get()).as("bytes the server could send to a client that reads nothing").isLessThan(48L << 20);
		socket.request(Long.MAX_VALUE);
		RestartTests.waitUntil(Duration.ofSeconds(60), () -> recorder.binaryBytes.get() == total);
		assertThat(recorder.binaryBytes.get()).isEqualTo(total);
	}

	private WebSocket open(String path, Recorder recorder) throws Exception {
		return this.http.newWebSocketBuilder().header("Authorization", "token " + this.alice)
			.buildAsync(URI.create(this.portico.base().replace("http", "ws") + path), recorder).get(20, TimeUnit.SECONDS);
	}

	/** Collects whole messages, pongs and the close; {@code reading=false} requests nothing until told. */
	static final class Recorder implements WebSocket.Listener {

		final boolean reading;

		final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();

		final LinkedBlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();

		final LinkedBlockingQueue<String> pongs = new LinkedBlockingQueue<>();

		final AtomicLong binaryBytes = new AtomicLong();

		final CompletableFuture<String> closed = new CompletableFuture<>();

		private final StringBuilder text = new StringBuilder();

		private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

		Recorder(boolean reading) {
			this.reading = reading;
		}

		@Override
		public void onOpen(WebSocket ws) {
			if (this.reading) {
				ws.request(1);
			}
		}

		@Override
		public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
			this.text.append(data);
			if (last) {
				this.messages.add(this.text.toString());
				this.text.setLength(0);
			}
			ws.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
			this.binaryBytes.addAndGet(data.remaining());
			if (this.reading) {
				byte[] bytes = new byte[data.remaining()];
				data.get(bytes);
				this.binary.writeBytes(bytes);
				if (last) {
					this.binaries.add(this.binary.toByteArray());
					this.binary.reset();
				}
				ws.request(1);
			}
			return null;
		}

		@Override
		public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
			this.pongs.add(java.nio.charset.StandardCharsets.UTF_8.decode(message).toString());
			ws.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
			this.closed.complete(status + " " + reason);
			return null;
		}
	}
}
