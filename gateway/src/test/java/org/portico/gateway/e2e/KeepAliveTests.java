package org.portico.gateway.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A keep-alive connection whose requests come in before the previous answers have ended keeps being
 * read (reactor/reactor-netty#4361, see {@code KeepAliveReads}). Before the fix, the third request
 * below sat unread in the gateway's socket on every connection: the browser's symptom was a login
 * POST that never got an answer after the login page's stylesheet and favicon.
 */
class KeepAliveTests {

	@TempDir
	static Path data;

	static PorticoInstance portico;

	@BeforeAll
	static void start() {
		portico = PorticoInstance.start(data);
	}

	@AfterAll
	static void stop() {
		portico.close();
	}

	@Test
	void aRequestAfterTwoPipelinedOnesIsAnswered() throws IOException {
		for (int i = 0; i < 10; i++) {
			try (Socket socket = connect()) {
				send(socket, get("/hub/static/portico.css") + get("/favicon.ico"));
				assertThat(readResponse(socket)).startsWith("HTTP/1.1 200");
				assertThat(readResponse(socket)).startsWith("HTTP/1.1 404");
				send(socket, get("/hub/api"));
				assertThat(readResponse(socket)).as("connection %d", i).startsWith("HTTP/1.1 200");
			}
		}
	}

	@Test
	void requestsSentOneAfterTheOtherAreAllAnswered() throws IOException {
		for (int i = 0; i < 10; i++) {
			try (Socket socket = connect()) {
				for (String path : new String[] { "/hub/static/portico.css", "/favicon.ico", "/hub/login", "/hub/api" }) {
					send(socket, get(path));
					assertThat(readResponse(socket)).as("connection %d, %s", i, path).startsWith("HTTP/1.1 ");
				}
			}
		}
	}

	private static Socket connect() throws IOException {
		Socket socket = new Socket("127.0.0.1", portico.port());
		socket.setSoTimeout(5_000); // a stalled connection fails the read, it does not hang the test
		return socket;
	}

	private static String get(String path) {
		return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	}

	private static void send(Socket socket, String requests) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(requests.getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	/** One whole response (head, and a body of Content-Length or chunked), or "no answer" after 5 s. */
	private static String readResponse(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		try {
			String head = readHead(in);
			String status = head.substring(0, head.indexOf("\r\n"));
			String lower = head.toLowerCase(Locale.ROOT);
			int length = lower.indexOf("\r\ncontent-length:");
			if (length >= 0) {
				int end = lower.indexOf("\r\n", length + 2);
				in.readNBytes(Integer.parseInt(lower.substring(length + 17, end).trim()));
			}
			else if (lower.contains("\r\ntransfer-encoding: chunked")) {
				for (int size; (size = Integer.parseInt(readLine(in).trim(), 16)) > 0;) {
					in.readNBytes(size + 2);
				}
				readLine(in);
			}
			return status;
		}
		catch (SocketTimeoutException ex) {
			return "no answer in 5 s";
		}
	}

	private static String readHead(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("connection closed after: " + head);
			}
			head.append((char) b);
		}
		return head.toString();
	}

	private static String readLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		for (int b; (b = in.read()) != '\n';) {
			if (b < 0) {
				throw new IOException("connection closed");
			}
			line.append((char) b);
		}
		return line.toString();
	}
}
