package org.portico.gateway.proxy;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;
import org.portico.gateway.proxy.ActivityClassifier.Socket;

import static org.assertj.core.api.Assertions.assertThat;

class ActivityClassifierTests {

	static TextWebSocketFrame kernelMessage(String type) {
		String json = "{\"header\":{\"msg_id\":\"1\",\"username\":\"u\",\"session\":\"s\",\"msg_type\":\"" + type
				+ "\",\"version\":\"5.3\"},\"parent_header\":{},\"content\":{},\"channel\":\"shell\"}";
		return new TextWebSocketFrame(Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
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
			assertThat(ActivityClassifier.isHuman(Socket.KERNEL, kernelMessage(human))).as(human).isTrue();
		}
		for (String background : new String[] { "kernel_info_request", "history_request", "comm_info_request", "execute_requestX",
				"is_complete_request" }) {
			assertThat(ActivityClassifier.isHuman(Socket.KERNEL, kernelMessage(background))).as(background).isFalse();
		}
		assertThat(ActivityClassifier.isHuman(Socket.KERNEL, new TextWebSocketFrame("{\"header\":{}}"))).isFalse();
		assertThat(ActivityClassifier.isHuman(Socket.KERNEL, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10])))).isFalse();
		assertThat(ActivityClassifier.isHuman(Socket.KERNEL, new PingWebSocketFrame())).isFalse();
	}

	@Test
	void terminalKeystrokesCountResizesDoNot() {
		assertThat(ActivityClassifier.isHuman(Socket.TERMINAL, new TextWebSocketFrame("[\"stdin\",\"ls\\r\"]"))).isTrue();
		assertThat(ActivityClassifier.isHuman(Socket.TERMINAL, new TextWebSocketFrame("[\"set_size\",24,80]"))).isFalse();
	}

	@Test
	void socketsAreRecognisedByPathAndOtherAppsCountEveryMessage() {
		assertThat(Socket.of("/user/a/api/kernels/k1/channels")).isEqualTo(Socket.KERNEL);
		assertThat(Socket.of("/user/a/terminals/websocket/1")).isEqualTo(Socket.TERMINAL);
		assertThat(Socket.of("/user/a/desktop/websockify")).isEqualTo(Socket.OTHER);
		assertThat(ActivityClassifier.isHuman(Socket.OTHER, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[3])))).isTrue();
	}
}
