package org.portico.gateway.proxy;

import java.nio.charset.StandardCharsets;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.portico.gateway.proxy.ActivityClassifier.Socket;

import static org.assertj.core.api.Assertions.assertThat;

class ActivityClassifierTests {

	static String kernelMessage(String type) {
		return "{\"header\":{\"msg_id\":\"1\",\"username\":\"u\",\"session\":\"s\",\"msg_type\":\"" + type
				+ "\",\"version\":\"5.3\"},\"parent_header\":{},\"content\":{},\"channel\":\"shell\"}";
	}

	/** What the proxy gives the classifier: the message's start, up to TEXT_PREFIX bytes. */
	static boolean text(Socket socket, String message) {
		byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
		int length = Math.min(bytes.length, ActivityClassifier.TEXT_PREFIX);
		return ActivityClassifier.isHumanText(socket, java.util.Arrays.copyOf(bytes, ActivityClassifier.TEXT_PREFIX), length);
	}

	@Test
	void changesAndPageLoadsAreHumanPollsAreNot() {
		HttpHeaders json = new DefaultHttpHeaders().add("Accept", "application/json");
		HttpHeaders page = new DefaultHttpHeaders().add("Accept", "text/html,application/xhtml+xml");
		assertThat(ActivityClassifier.isHuman(HttpMethod.GET, json)).as("api/status, kernel lists").isFalse();
		assertThat(ActivityClassifier.isHuman(HttpMethod.GET, page)).as("a page load").isTrue();
		assertThat(ActivityClassifier.isHuman(HttpMethod.PUT, json)).as("a save").isTrue();
		assertThat(ActivityClassifier.isHuman(HttpMethod.POST, json)).isTrue();
		assertThat(ActivityClassifier.isHuman(HttpMethod.GET, new DefaultHttpHeaders().add("Sec-Fetch-Mode", "navigate"))).isTrue();
	}

	@Test
	void kernelMessagesCountOnlyWhenAPersonCausedThem() {
		for (String human : new String[] { "execute_request", "input_reply", "complete_request", "inspect_request", "comm_msg" }) {
			assertThat(text(Socket.KERNEL, kernelMessage(human))).as(human).isTrue();
		}
		for (String background : new String[] { "kernel_info_request", "history_request", "comm_info_request", "execute_requestX",
				"is_complete_request" }) {
			assertThat(text(Socket.KERNEL, kernelMessage(background))).as(background).isFalse();
		}
		assertThat(text(Socket.KERNEL, "{\"header\":{}}")).isFalse();
		assertThat(text(Socket.KERNEL, "")).isFalse();
		// the type's value cut off by the end of what is read
		assertThat(text(Socket.KERNEL, "{\"msg_type\":\"execute_req")).isFalse();
		// a msg_type further in than the classifier reads does not count
		assertThat(text(Socket.KERNEL, "{\"x\":\"" + "a".repeat(1100) + "\",\"msg_type\":\"execute_request\"}")).isFalse();
		// binary frames (buffers of a message already counted), pings and pongs are not read and do not count
		for (int opcode : new int[] { ClientFrames.OPCODE_BINARY, ClientFrames.OPCODE_CONTINUATION, ClientFrames.OPCODE_PING,
				ClientFrames.OPCODE_PONG }) {
			assertThat(ActivityClassifier.readsText(Socket.KERNEL, opcode)).isFalse();
		}
		assertThat(ActivityClassifier.readsText(Socket.KERNEL, ClientFrames.OPCODE_TEXT)).isTrue();
		assertThat(ActivityClassifier.isHuman(Socket.KERNEL)).isFalse();
	}

	@Test
	void terminalKeystrokesCountResizesDoNot() {
		assertThat(text(Socket.TERMINAL, "[\"stdin\",\"ls\\r\"]")).isTrue();
		assertThat(text(Socket.TERMINAL, "[\"set_size\",24,80]")).isFalse();
		assertThat(text(Socket.TERMINAL, "[\"std")).isFalse();
	}

	@Test
	void socketsAreRecognisedByPathAndOtherAppsCountEveryMessage() {
		assertThat(Socket.of("/user/a/api/kernels/k1/channels")).isEqualTo(Socket.KERNEL);
		assertThat(Socket.of("/user/a/terminals/websocket/1")).isEqualTo(Socket.TERMINAL);
		assertThat(Socket.of("/user/a/desktop/websockify")).isEqualTo(Socket.OTHER);
		assertThat(ActivityClassifier.readsText(Socket.OTHER, ClientFrames.OPCODE_TEXT)).isFalse();
		assertThat(ActivityClassifier.isHuman(Socket.OTHER)).isTrue();
	}
}
