package org.portico.kerneltools;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.fail;

/**
 * Debian's real Jupyter Notebook server ({@code /usr/bin/jupyter-notebook}, notebook 6.4) on a
 * loopback port, driven as the shared apps README's kernel recipe describes: REST to start a
 * kernel, the kernel's WebSocket to execute code. Every wait is bounded.
 */
final class JupyterServer implements AutoCloseable {

	static final Path NOTEBOOK = Path.of("/usr/bin/jupyter-notebook");

	private static final ObjectMapper JSON = new ObjectMapper();

	private final Process process;

	private final int port;

	private final String token;

	private final Path log;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private JupyterServer(Process process, int port, String token, Path log) {
		this.process = process;
		this.port = port;
		this.token = token;
		this.log = log;
	}

	/**
	 * Starts a server that finds kernels in {@code jupyterPath}, with a clean environment, and
	 * waits until it answers.
	 */
	static JupyterServer start(Path workDir, Path jupyterPath, Duration timeout) throws Exception {
		if (!Files.isExecutable(NOTEBOOK)) {
			fail(NOTEBOOK + " is missing; these tests need Debian's jupyter-notebook and python3-ipykernel"
					+ " (./portico test installs them)");
		}
		int port;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		byte[] secret = new byte[16];
		new SecureRandom().nextBytes(secret);
		String token = HexFormat.of().formatHex(secret);
		Path home = Files.createDirectories(workDir.resolve("server-home"));
		Path notebooks = Files.createDirectories(workDir.resolve("notebooks"));
		Path log = workDir.resolve("jupyter.log");
		List<String> argv = new ArrayList<>(List.of(NOTEBOOK.toString(), "--no-browser", "--ip=127.0.0.1",
				"--port=" + port, "--port-retries=0", "--NotebookApp.token=" + token, "--notebook-dir=" + notebooks,
				// A kernel that dies at start is given up after one restart, checked every second.
				"--KernelRestarter.restart_limit=1", "--KernelRestarter.time_to_dead=1"));
		if ("root".equals(System.getProperty("user.name"))) {
			argv.add("--allow-root");
		}
		ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().clear();
		builder.environment()
			.putAll(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", home.toString(), "LANG", "C.UTF-8",
					"JUPYTER_PATH", jupyterPath.toString(), "JUPYTER_DATA_DIR", home.resolve("data").toString(),
					"JUPYTER_RUNTIME_DIR", home.resolve("runtime").toString(), "JUPYTER_CONFIG_DIR",
					home.resolve("config").toString()));
		Process process = builder.start();
		process.getOutputStream().close();
		JupyterServer server = new JupyterServer(process, port, token, log);
		Instant deadline = Instant.now().plus(timeout);
		while (true) {
			if (!process.isAlive()) {
				fail("jupyter-notebook exited with " + process.exitValue() + ":\n" + server.log());
			}
			try {
				if (server.get("api/status").statusCode() == 200) {
					return server;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			if (Instant.now().isAfter(deadline)) {
				server.close();
				fail("jupyter-notebook did not answer within " + timeout + ":\n" + server.log());
			}
			Thread.sleep(200);
		}
	}

	HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	/** The kernelspecs the server offers, by name. */
	JsonNode kernelspecs() throws Exception {
		return JSON.readTree(get("api/kernelspecs").body()).get("kernelspecs");
	}

	/** Starts a kernel with {@code POST api/kernels}; returns its id. */
	String startKernel(String name) throws Exception {
		HttpResponse<String> response = this.http.send(
				request("api/kernels").header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"" + name + "\"}"))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 201) {
			fail("POST api/kernels for " + name + " gave " + response.statusCode() + ": " + response.body() + "\n" + log());
		}
		return JSON.readTree(response.body()).get("id").asText();
	}

	/** The status code of {@code GET api/kernels/ID}: 200 while the server keeps the kernel. */
	int kernelStatus(String id) throws Exception {
		return get("api/kernels/" + id).statusCode();
	}

	void deleteKernel(String id) throws Exception {
		this.http.send(request("api/kernels/" + id).DELETE().build(), HttpResponse.BodyHandlers.discarding());
	}

	/**
	 * Runs {@code code} in the kernel over its WebSocket and returns what it printed on stdout.
	 * Fails with the traceback if the code raised.
	 */
	String execute(String kernelId, String code, Duration timeout) throws Exception {
		String session = UUID.randomUUID().toString();
		String msgId = UUID.randomUUID().toString();
		Collector collector = new Collector(msgId);
		WebSocket socket = this.http.newWebSocketBuilder()
			.header("Authorization", "token " + this.token)
			.connectTimeout(Duration.ofSeconds(10))
			.buildAsync(URI.create("ws://127.0.0.1:" + this.port + "/api/kernels/" + kernelId + "/channels?session_id="
					+ session), collector)
			.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		try {
			ObjectNode message = JSON.createObjectNode();
			message.putObject("header")
				.put("msg_id", msgId)
				.put("username", "portico-test")
				.put("session", session)
				.put("msg_type", "execute_request")
				.put("version", "5.3");
			message.putObject("parent_header");
			message.putObject("metadata");
			message.putObject("content")
				.put("code", code)
				.put("silent", false)
				.put("store_history", false)
				.put("allow_stdin", false)
				.put("stop_on_error", true)
				.putObject("user_expressions");
			message.put("channel", "shell");
			message.putArray("buffers");
			socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
			collector.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		finally {
			socket.abort();
		}
		if (collector.error != null) {
			fail("the kernel raised: " + collector.error);
		}
		return collector.stdout.toString();
	}

	String log() {
		try {
			return Files.readString(this.log);
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	@Override
	public void close() {
		List<ProcessHandle> children = this.process.descendants().toList();
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
				this.process.waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		// Kernels are the server's children; none may outlive a test.
		children.forEach(ProcessHandle::destroyForcibly);
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/" + path))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", "token " + this.token);
	}

	/**
	 * Collects the replies to one execute request: stdout text, an error, and completion once both
	 * {@code execute_reply} (shell) and {@code status: idle} (iopub) arrived, in either order.
	 */
	private static final class Collector implements WebSocket.Listener {

		final CompletableFuture<Void> done = new CompletableFuture<>();

		final StringBuilder stdout = new StringBuilder();

		volatile String error;

		private final String msgId;

		private final StringBuilder partial = new StringBuilder();

		private boolean replied;

		private boolean idle;

		Collector(String msgId) {
			this.msgId = msgId;
		}

		@Override
		public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
			this.partial.append(data);
			if (last) {
				String frame = this.partial.toString();
				this.partial.setLength(0);
				try {
					handle(JSON.readTree(frame));
				}
				catch (IOException ex) {
					this.done.completeExceptionally(ex);
				}
			}
			socket.request(1);
			return null;
		}

		private synchronized void handle(JsonNode message) {
			if (!this.msgId.equals(message.path("parent_header").path("msg_id").asText())) {
				return;
			}
			String type = message.path("header").path("msg_type").asText();
			JsonNode content = message.path("content");
			switch (type) {
				case "stream" -> {
					if ("stdout".equals(content.path("name").asText())) {
						this.stdout.append(content.path("text").asText());
					}
				}
				case "error" -> this.error = content.path("ename").asText() + ": " + content.path("evalue").asText() + "\n"
						+ content.path("traceback").toString();
				case "execute_reply" -> this.replied = true;
				case "status" -> this.idle |= "idle".equals(content.path("execution_state").asText());
				default -> {
				}
			}
			if (this.replied && this.idle) {
				this.done.complete(null);
			}
		}

		@Override
		public void onError(WebSocket socket, Throwable error) {
			this.done.completeExceptionally(error);
		}

		@Override
		public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
			this.done.completeExceptionally(new IOException("WebSocket closed: " + statusCode + " " + reason));
			return null;
		}

	}

}
