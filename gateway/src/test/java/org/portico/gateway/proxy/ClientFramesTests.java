package org.portico.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.Test;
import org.portico.gateway.proxy.ActivityClassifier.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client's frames pass as the bytes they came in, however the reads split them, each frame
 * classified once; what breaks the rules ends the socket as Netty's decoder did; the gateway's close
 * goes upstream between two frames.
 */
class ClientFramesTests {

	/** Frames as a browser sends them: masked by Netty's own client-side encoder. */
	static byte[] masked(WebSocketFrame... frames) {
		EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
		for (WebSocketFrame frame : frames) {
			encoder.writeOutbound(frame);
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (ByteBuf buf; (buf = encoder.readOutbound()) != null;) {
			byte[] bytes = new byte[buf.readableBytes()];
			buf.readBytes(bytes);
			buf.release();
			out.writeBytes(bytes);
		}
		return out.toByteArray();
	}

	static TextWebSocketFrame text(String text) {
		return new TextWebSocketFrame(text);
	}

	/** A client channel with ClientFrames where the handshake puts Netty's decoder, and an upstream. */
	static final class Socketpair {

		final EmbeddedChannel upstream = new EmbeddedChannel(new WebSocket13FrameEncoder(true));

		final List<Boolean> activity = new ArrayList<>();

		final ClientFrames frames;

		final EmbeddedChannel client;

		Socketpair(Socket socket, long maxPayload) {
			this.frames = new ClientFrames(this.upstream, socket, this.activity::add, maxPayload);
			this.client = new EmbeddedChannel(new WebSocket13FrameEncoder(false), this.frames);
		}

		void feed(byte[] bytes, int... splits) {
			int from = 0;
			for (int split : splits) {
				this.client.writeInbound(Unpooled.wrappedBuffer(bytes, from, split - from));
				from = split;
			}
			this.client.writeInbound(Unpooled.wrappedBuffer(bytes, from, bytes.length - from));
		}

		/** What went upstream from the client, as bytes. */
		byte[] forwarded() {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			for (Object msg; (msg = this.client.readInbound()) != null;) {
				ByteBuf buf = (ByteBuf) msg;
				byte[] bytes = new byte[buf.readableBytes()];
				buf.readBytes(bytes);
				buf.release();
				out.writeBytes(bytes);
			}
			return out.toByteArray();
		}

		/** What the gateway itself wrote to the client, decoded. */
		List<WebSocketFrame> toClient() {
			return decode(this.client.readOutbound(), false);
		}

		/** What the gateway itself wrote upstream, decoded. */
		List<WebSocketFrame> toUpstream() {
			return decode(this.upstream.readOutbound(), true);
		}

		private static List<WebSocketFrame> decode(ByteBuf buf, boolean masked) {
			List<WebSocketFrame> frames = new ArrayList<>();
			if (buf == null) {
				return frames;
			}
			EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(masked, false, 1 << 20));
			decoder.writeInbound(buf);
			for (WebSocketFrame frame; (frame = decoder.readInbound()) != null;) {
				frames.add(frame);
			}
			return frames;
		}
	}

	@Test
	void theBytesGoUpAsTheyCameAndEachFrameIsClassifiedOnceWhereverTheReadsSplitThem() {
		String longMessage = ActivityClassifierTests.kernelMessage("execute_request").replace("\"content\":{}",
				"\"content\":{\"code\":\"" + "x".repeat(70_000) + "\"}");
		byte[] bytes = masked(text(ActivityClassifierTests.kernelMessage("execute_request")),
				text(ActivityClassifierTests.kernelMessage("kernel_info_request")), new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[300])),
				new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] { 1, 2, 3 })), text(""),
				new TextWebSocketFrame(false, 0, ActivityClassifierTests.kernelMessage("comm_msg")),
				new ContinuationWebSocketFrame(true, 0, "more of it"), text(longMessage));
		List<Boolean> expected = List.of(true, false, false, false, false, true, false, true);
		// every split into two reads (steps of 7 through the long frame), then one byte a read for the start
		for (int split = 0; split <= bytes.length; split += (split < 2_000) ? 1 : 7) {
			Socketpair pair = new Socketpair(Socket.KERNEL, 1 << 20);
			pair.feed(bytes, split);
			assertThat(pair.forwarded()).as("split at %d", split).isEqualTo(bytes);
			assertThat(pair.activity).as("split at %d", split).isEqualTo(expected);
		}
		Socketpair bytewise = new Socketpair(Socket.KERNEL, 1 << 20);
		int[] everyByte = new int[1_500];
		for (int i = 0; i < everyByte.length; i++) {
			everyByte[i] = i + 1;
		}
		bytewise.feed(bytes, everyByte);
		assertThat(bytewise.forwarded()).isEqualTo(bytes);
		assertThat(bytewise.activity).isEqualTo(expected);
	}

	@Test
	void otherAppsCountEveryFrameTerminalsTheirKeystrokes() {
		byte[] bytes = masked(text("[\"stdin\",\"l\"]"), text("[\"set_size\",24,80]"), new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[4])));
		Socketpair terminal = new Socketpair(Socket.TERMINAL, 1 << 20);
		terminal.feed(bytes);
		assertThat(terminal.activity).containsExactly(true, false, false);
		Socketpair desktop = new Socketpair(Socket.OTHER, 1 << 20);
		desktop.feed(bytes);
		assertThat(desktop.activity).containsExactly(true, true, true);
	}

	@Test
	void afterTheClientsCloseNothingMoreGoesUp() {
		byte[] close = masked(new CloseWebSocketFrame(1000, "bye"));
		byte[] after = masked(text("late"));
		byte[] both = new byte[close.length + after.length];
		System.arraycopy(close, 0, both, 0, close.length);
		System.arraycopy(after, 0, both, close.length, after.length);
		Socketpair pair = new Socketpair(Socket.OTHER, 1 << 20);
		pair.feed(both);
		pair.feed(after);
		assertThat(pair.forwarded()).isEqualTo(close);
		assertThat(pair.activity).isEmpty();
	}

	@Test
	void framesThatBreakTheRulesEndTheSocketWith1002Or1009() {
		byte[] unmasked = { (byte) 0x81, 0x02, 'h', 'i' };
		byte[] reserved = masked(text("x"));
		reserved[0] |= 0x40;
		byte[] continuation = masked(new ContinuationWebSocketFrame(true, 0, "x"));
		byte[] unknown = masked(text("x"));
		unknown[0] = (byte) 0x83;
		byte[] longPing = { (byte) 0x89, (byte) (0x80 | 126), 0, (byte) 200, 1, 2, 3, 4 };
		byte[] tooLarge = masked(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[2_000])));
		Object[][] cases = { { unmasked, 1002 }, { reserved, 1002 }, { continuation, 1002 }, { unknown, 1002 }, { longPing, 1002 },
				{ tooLarge, 1009 } };
		for (Object[] bad : cases) {
			byte[] bytes = (byte[]) bad[0];
			Socketpair pair = new Socketpair(Socket.OTHER, 1_000);
			pair.feed(bytes);
			List<WebSocketFrame> sent = pair.toClient();
			assertThat(sent).as("case %d", bad[1]).hasSize(1).first().isInstanceOf(CloseWebSocketFrame.class);
			assertThat(((CloseWebSocketFrame) sent.get(0)).statusCode()).isEqualTo(bad[1]);
			assertThat(pair.client.isOpen()).isFalse();
			assertThat(pair.forwarded()).isEmpty();
		}
	}

	@Test
	void theGatewaysCloseGoesUpBetweenTwoFrames() {
		byte[] first = masked(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[100])));
		byte[] second = masked(text("after the close"));
		Socketpair pair = new Socketpair(Socket.OTHER, 1 << 20);
		pair.client.writeInbound(Unpooled.wrappedBuffer(first, 0, 50));
		pair.frames.goingAway(pair.client);
		pair.client.runPendingTasks();
		assertThat(pair.toUpstream()).as("not in the middle of a frame").isEmpty();
		pair.client.writeInbound(Unpooled.wrappedBuffer(first, 50, 20));
		assertThat(pair.toUpstream()).as("a read that does not end the frame").isEmpty();
		byte[] rest = new byte[first.length - 70 + second.length];
		System.arraycopy(first, 70, rest, 0, first.length - 70);
		System.arraycopy(second, 0, rest, first.length - 70, second.length);
		pair.client.writeInbound(Unpooled.wrappedBuffer(rest));
		assertThat(pair.forwarded()).isEqualTo(first);
		List<WebSocketFrame> closes = pair.toUpstream();
		assertThat(closes).hasSize(1);
		CloseWebSocketFrame close = (CloseWebSocketFrame) closes.get(0);
		assertThat(close.statusCode()).isEqualTo(1001);
		assertThat(close.reasonText()).isEqualTo(OpenWebSockets.REASON);

		Socketpair idle = new Socketpair(Socket.OTHER, 1 << 20);
		idle.feed(first);
		idle.frames.goingAway(idle.client);
		idle.client.runPendingTasks();
		assertThat(idle.toUpstream()).as("at a boundary: at once").hasSize(1);
		idle.feed(second);
		assertThat(idle.forwarded()).isEqualTo(first);
	}

}
