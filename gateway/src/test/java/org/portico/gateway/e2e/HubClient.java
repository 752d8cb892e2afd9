package org.portico.gateway.e2e;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A browser-like client of one gateway: a cookie jar, the CSRF header for changes, and a
 * transcript of every status line, header and body it received, so a test can prove what never
 * reached a client.
 */
final class HubClient {

	static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static final ObjectMapper JSON = new ObjectMapper();

	private final String base;

	private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);

	private final HttpClient http;

	private final List<String> transcript = Collections.synchronizedList(new ArrayList<>());

	private String token;

	HubClient(String base) {
		this.base = base;
		this.http = HttpClient.newBuilder().cookieHandler(this.cookies).connectTimeout(Duration.ofSeconds(10))
			.followRedirects(HttpClient.Redirect.NEVER).build();
	}

	/** A client authenticated with an API token instead of a login. */
	static HubClient withToken(String base, String token) {
		HubClient client = new HubClient(base);
		client.token = token;
		return client;
	}

	/** Logs in through the login page, as a browser does (CSRF cookie first, then the form). */
	HubClient login(String user, String password) {
		Response page = get("/hub/login");
		if (page.status() != 200) {
			throw new IllegalStateException("login page answered " + page.status());
		}
		Response done = send("POST", "/hub/login", form(Map.of("username", user, "password", password, "_csrf", csrf(page.body()))),
				Map.of("Content-Type", "application/x-www-form-urlencoded"));
		if (done.status() != 303) {
			throw new IllegalStateException("login failed: " + done.status() + " " + done.body());
		}
		return this;
	}

	/** The CSRF token of a page's form. */
	static String csrf(String html) {
		Matcher matcher = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(html);
		if (!matcher.find()) {
			throw new IllegalStateException("no CSRF field in the page");
		}
		return matcher.group(1);
	}

	static String form(Map<String, String> fields) {
		StringBuilder out = new StringBuilder();
		fields.forEach((key, value) -> {
			if (out.length() > 0) {
				out.append('&');
			}
			out.append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
		});
		return out.toString();
	}

	Response get(String path) {
		return send("GET", path, null, Map.of());
	}

	Response get(String path, Map<String, String> headers) {
		return send("GET", path, null, headers);
	}

	Response post(String path, String body) {
		return send("POST", path, body, Map.of("Content-Type", "application/json"));
	}

	Response delete(String path) {
		return send("DELETE", path, null, Map.of());
	}

	/** Sends a request; changes carry the CSRF header from the cookie, as the pages' scripts do. */
	Response send(String method, String path, String body, Map<String, String> headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + path)).timeout(TIMEOUT)
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		headers.forEach(request::header);
		if (this.token != null) {
			request.header("Authorization", "token " + this.token);
		}
		String xsrf = cookie("portico-xsrf");
		if (xsrf != null && !method.equals("GET") && !headers.containsKey("X-XSRF-TOKEN")) {
			request.header("X-XSRF-TOKEN", xsrf);
		}
		try {
			HttpResponse<String> response = this.http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
				.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			this.transcript.add(response.statusCode() + " " + method + " " + path + "\n" + response.headers().map() + "\n" + response.body());
			return new Response(response.statusCode(), response.body(), response.headers().map());
		}
		catch (InterruptedException | ExecutionException | TimeoutException ex) {
			throw new IllegalStateException(method + " " + path + " failed", ex);
		}
	}

	String cookie(String name) {
		for (HttpCookie cookie : this.cookies.getCookieStore().getCookies()) {
			if (cookie.getName().equals(name)) {
				return cookie.getValue();
			}
		}
		return null;
	}

	/** Everything this client received, for assertions about what never reached it. */
	String transcript() {
		synchronized (this.transcript) {
			return String.join("\n----\n", this.transcript);
		}
	}

	/**
	 * Opens a kernel's channels WebSocket through the gateway, executes {@code code} as the Jupyter
	 * frontend does, and returns the text/plain result.
	 */
	String execute(String owner, String kernelId, String code, Map<String, String> headers) throws Exception {
		String session = UUID.randomUUID().toString();
		String msgId = UUID.randomUUID().toString();
		LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
		WebSocket socket = openWebSocket("/user/" + owner + "/api/kernels/" + kernelId + "/channels?session_id=" + session,
				headers, frames);
		try {
			String request = JSON.writeValueAsString(Map.of("header",
					Map.of("msg_id", msgId, "username", "test", "session", session, "msg_type", "execute_request", "version", "5.3"),
					"parent_header", Map.of(), "metadata", Map.of(), "content",
					Map.of("code", code, "silent", false, "store_history", true, "user_expressions", Map.of(), "allow_stdin", false,
							"stop_on_error", true),
					"channel", "shell", "buffers", List.of()));
			socket.sendText(request, true).get(10, TimeUnit.SECONDS);
			String result = null;
			boolean reply = false;
			boolean idle = false;
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (!(result != null && reply && idle)) {
				long left = deadline - System.nanoTime();
				String frame = frames.poll(Math.max(left, 0), TimeUnit.NANOSECONDS);
				if (frame == null) {
					throw new TimeoutException("no complete reply to execute_request (result=" + result + " reply=" + reply + " idle=" + idle + ")");
				}
				JsonNode message = JSON.readTree(frame);
				if (!msgId.equals(message.path("parent_header").path("msg_id").asText())) {
					continue;
				}
				String type = message.path("header").path("msg_type").asText();
				switch (type) {
					case "execute_result" -> result = message.path("content").path("data").path("text/plain").asText();
					case "execute_reply" -> reply = true;
					case "status" -> idle |= "idle".equals(message.path("content").path("execution_state").asText());
					case "error" -> throw new IllegalStateException("kernel error: " + message.path("content"));
					default -> {
					}
				}
			}
			return result;
		}
		finally {
			socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").exceptionally((ex) -> null);
		}
	}

	/** Opens a WebSocket; text frames (reassembled) go to {@code frames}. Throws on a refused handshake. */
	WebSocket openWebSocket(String path, Map<String, String> headers, LinkedBlockingQueue<String> frames) throws Exception {
		WebSocket.Builder builder = this.http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
		headers.forEach(builder::header);
		if (this.token != null) {
			builder.header("Authorization", "token " + this.token);
		}
		StringBuilder partial = new StringBuilder();
		WebSocket.Listener listener = new WebSocket.Listener() {
			@Override
			public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
				partial.append(data);
				if (last) {
					HubClient.this.transcript.add("WS " + path + "\n" + partial);
					frames.add(partial.toString());
					partial.setLength(0);
				}
				webSocket.request(1);
				return null;
			}
		};
		String ws = this.base.replaceFirst("^http", "ws") + path;
		try {
			return builder.buildAsync(URI.create(ws), listener).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof WebSocketHandshakeException handshake) {
				HttpResponse<?> response = handshake.getResponse();
				this.transcript.add(response.statusCode() + " WS " + path + "\n" + response.headers().map() + "\n" + response.body());
				throw new HandshakeRefused(response.statusCode(), String.valueOf(response.body()));
			}
			throw ex;
		}
	}

	/** A WebSocket handshake the gateway refused. */
	static final class HandshakeRefused extends IOException {

		final int status;

		HandshakeRefused(int status, String body) {
			super("handshake refused with " + status + ": " + body);
			this.status = status;
		}
	}

	/** A received response. */
	record Response(int status, String body, Map<String, List<String>> headers) {

		JsonNode json() {
			try {
				return JSON.readTree(this.body);
			}
			catch (IOException ex) {
				throw new IllegalStateException("not JSON: " + this.body, ex);
			}
		}

		String header(String name) {
			for (Map.Entry<String, List<String>> entry : this.headers.entrySet()) {
				if (entry.getKey().equalsIgnoreCase(name)) {
					return entry.getValue().get(0);
				}
			}
			return null;
		}
	}
}
