package org.portico.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

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

	/** How much of a text message's start {@link #isHumanText} reads: the header's msg_type and its value. */
	static final int TEXT_PREFIX = SCAN + 64;

	/** Whether a client frame of this opcode needs its text read to be classified. */
	static boolean readsText(Socket socket, int opcode) {
		return socket != Socket.OTHER && opcode == ClientFrames.OPCODE_TEXT;
	}

	/**
	 * A client frame that is not read (see {@link #readsText}): every frame of other apps counts;
	 * binary kernel frames carry buffers of a message already counted, and pings are heartbeats.
	 */
	static boolean isHuman(Socket socket) {
		return socket == Socket.OTHER;
	}

	/**
	 * A kernel's or a terminal's text message, from the first {@code length} bytes of its payload
	 * (unmasked; up to {@link #TEXT_PREFIX}, fewer if the message is shorter).
	 */
	static boolean isHumanText(Socket socket, byte[] text, int length) {
		if (socket == Socket.TERMINAL) {
			return matches(text, length, 0, STDIN);
		}
		int start = indexOf(text, MSG_TYPE, Math.min(length, SCAN));
		if (start < 0) {
			return false;
		}
		int at = start + MSG_TYPE.length;
		int end = Math.min(length, at + 40);
		// skip ':' and spaces and the opening quote
		while (at < end && (text[at] == ':' || text[at] == ' ' || text[at] == '"')) {
			at++;
		}
		for (byte[] type : HUMAN_KERNEL) {
			if (matches(text, length, at, type) && at + type.length < length && text[at + type.length] == '"') {
				return true;
			}
		}
		return false;
	}

	private static boolean matches(byte[] text, int length, int at, byte[] expected) {
		if (at + expected.length > length) {
			return false;
		}
		for (int i = 0; i < expected.length; i++) {
			if (text[at + i] != expected[i]) {
				return false;
			}
		}
		return true;
	}

	private static int indexOf(byte[] text, byte[] needle, int to) {
		outer: for (int i = 0; i <= to - needle.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (text[i + j] != needle[j]) {
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
