package org.portico.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Tells a person's action from background traffic, on the proxy's hot path and without parsing
 * JSON or allocating.
 *
 * <p>HTTP: a change (POST, PUT, PATCH, DELETE: saves, new kernels, renames) or a page a browser
 * navigates to ({@code Accept: text/html}) is human; every other GET (status, kernel and session
 * lists, file-list polling, static files, metrics) is background. WebSocket, Jupyter kernel
 * channels: only messages a person causes count ({@code execute_request}, {@code input_reply},
 * {@code complete_request}, {@code inspect_request}, {@code comm_msg}); {@code kernel_info_request}
 * and other polls do not. Terminals: keystrokes ({@code ["stdin", ...]}) count, resizes do not.
 * Other apps' WebSocket messages (desktop input, editors) all count.
 */
final class ActivityClassifier {

	private static final byte[] MSG_TYPE = "\"msg_type\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	private static final byte[][] HUMAN_KERNEL = bytes("execute_request", "input_reply", "complete_request", "inspect_request",
			"comm_msg");

	private static final byte[] STDIN = "[\"stdin\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	/** How far into a frame the header's msg_type is looked for (it comes first in Jupyter's JSON). */
	private static final int SCAN = 1024;

	private ActivityClassifier() {
	}

	static boolean isHuman(HttpMethod method, HttpHeaders headers) {
		if (method != HttpMethod.GET && method != HttpMethod.HEAD && method != HttpMethod.OPTIONS) {
			return true;
		}
		String accept = headers.get(HttpHeaderNames.ACCEPT);
		String mode = headers.get("sec-fetch-mode");
		return (accept != null && accept.startsWith("text/html")) || "navigate".equals(mode);
	}

	/** What kind of WebSocket a path opens, decided once at the handshake. */
	enum Socket {
		KERNEL, TERMINAL, OTHER;

		static Socket of(String path) {
			if (path.contains("/api/kernels/") && path.contains("/channels")) {
				return KERNEL;
			}
			if (path.contains("/terminals/websocket/")) {
				return TERMINAL;
			}
			return OTHER;
		}
	}

	static boolean isHuman(Socket socket, WebSocketFrame frame) {
		if (socket == Socket.OTHER) {
			return true;
		}
		if (!(frame instanceof TextWebSocketFrame)) {
			return false; // binary kernel frames carry buffers of a message already counted; pings are heartbeats
		}
		ByteBuf content = frame.content();
		if (socket == Socket.TERMINAL) {
			return startsWith(content, STDIN);
		}
		int start = indexOf(content, MSG_TYPE, content.readerIndex(), Math.min(content.writerIndex(), content.readerIndex() + SCAN));
		if (start < 0) {
			return false;
		}
		int at = start + MSG_TYPE.length;
		int end = Math.min(content.writerIndex(), at + 40);
		// skip ':' and spaces and the opening quote
		while (at < end && (content.getByte(at) == ':' || content.getByte(at) == ' ' || content.getByte(at) == '"')) {
			at++;
		}
		for (byte[] type : HUMAN_KERNEL) {
			if (matches(content, at, type) && at + type.length < content.writerIndex() && content.getByte(at + type.length) == '"') {
				return true;
			}
		}
		return false;
	}

	private static boolean startsWith(ByteBuf buffer, byte[] prefix) {
		return matches(buffer, buffer.readerIndex(), prefix);
	}

	private static boolean matches(ByteBuf buffer, int at, byte[] expected) {
		if (at + expected.length > buffer.writerIndex()) {
			return false;
		}
		for (int i = 0; i < expected.length; i++) {
			if (buffer.getByte(at + i) != expected[i]) {
				return false;
			}
		}
		return true;
	}

	private static int indexOf(ByteBuf buffer, byte[] needle, int from, int to) {
		outer: for (int i = from; i <= to - needle.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (buffer.getByte(i + j) != needle[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	private static byte[][] bytes(String... values) {
		byte[][] out = new byte[values.length][];
		for (int i = 0; i < values.length; i++) {
			out[i] = values[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
		}
		return out;
	}
}
