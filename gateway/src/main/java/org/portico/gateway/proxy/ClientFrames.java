package org.portico.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a browser sends on a proxied WebSocket, passed upstream as the bytes it came in: the frames
 * stay masked with the browser's keys (a server accepts any client's mask), nothing is decoded,
 * copied or encoded again. Takes the place of Netty's frame decoder on the client's channel (gh-8:
 * decoding and re-masking every message was 13 % of the gateway's samples in the WebSocket echo
 * benchmark, and two buffers per message).
 *
 * <p>Only each frame's header is read, to check it as a server must (masked, no reserved bits, a
 * known opcode, control frames whole and short, continuations only inside a message, the payload
 * within the limit), to tell the activity of each frame ({@link ActivityClassifier}; for a kernel's
 * or terminal's text the first {@value ActivityClassifier#TEXT_PREFIX} bytes are unmasked into a
 * scratch array), and to know where frames end: after the browser's close frame nothing more goes
 * upstream, and the gateway's own close ({@link #goingAway}) is put in between two frames. A frame
 * that breaks the rules ends the socket with 1002 (1009 when too large), as Netty's decoder did.
 *
 * <p>State lives here across reads, since a frame's header or text can be split between two; an
 * idle socket holds only the fields. Every method but {@link #goingAway} runs on the client
 * channel's event loop.
 */
final class ClientFrames extends ChannelInboundHandlerAdapter {

	private static final Logger log = LoggerFactory.getLogger(ClientFrames.class);

	static final String NAME = "portico.clientFrames";

	/** The frame decoder Netty's server handshaker puts into the client's pipeline; this one replaces it. */
	static final String NETTY_DECODER = "wsdecoder";

	static final int OPCODE_CONTINUATION = 0x0;

	static final int OPCODE_TEXT = 0x1;

	static final int OPCODE_BINARY = 0x2;

	static final int OPCODE_CLOSE = 0x8;

	static final int OPCODE_PING = 0x9;

	static final int OPCODE_PONG = 0xA;

	/** The longest header of a masked frame: 2 bytes, 8 of extended length, 4 of mask. */
	private static final int MAX_HEADER = 14;

	private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
		@Override
		protected byte[] initialValue() {
			return new byte[ActivityClassifier.TEXT_PREFIX];
		}
	};

	/** Told of each frame from the client but close frames: whether a person caused it. */
	interface Activity {

		void frame(boolean human);
	}

	private final Channel upstream;

	private final ActivityClassifier.Socket socket;

	private final Activity activity;

	private final long maxPayload;

	/** A header split between two reads: its first bytes (allocated the first time one is split). */
	private byte @Nullable [] header;

	private int headerLength;

	/** Payload bytes of the current frame still to come. */
	private long remaining;

	private int opcode;

	/** The current frame's masking key, first byte highest. */
	private int mask;

	/** Inside a message of several frames: continuations are due, a new message is not. */
	private boolean fragmented;

	/** Bytes of the current text frame still to read for its activity (0: none wanted). */
	private int textWanted;

	/** The text read so far when it is split between reads; otherwise the scratch array is used. */
	private byte @Nullable [] text;

	private int textLength;

	/** The gateway's close is to go upstream at the end of the current frame. */
	private boolean closeAtBoundary;

	/** A close went upstream (the client's or the gateway's) or the socket broke: the rest is dropped. */
	private boolean done;

	ClientFrames(Channel upstream, ActivityClassifier.Socket socket, Activity activity, long maxPayload) {
		this.upstream = upstream;
		this.socket = socket;
		this.activity = activity;
		this.maxPayload = maxPayload;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (!(msg instanceof ByteBuf in)) {
			ctx.fireChannelRead(msg);
			return;
		}
		if (this.done) {
			in.release();
			return;
		}
		int start = in.readerIndex();
		int end = in.writerIndex();
		int at = start;
		int cut = -1;
		while (at < end) {
			if (this.remaining > 0) {
				int n = (int) Math.min(this.remaining, end - at);
				if (this.textWanted > 0) {
					readText(in, at, n);
				}
				at += n;
				this.remaining -= n;
				if (this.remaining == 0 && frameEnded()) {
					cut = at;
					break;
				}
				continue;
			}
			int used = header(ctx, in, at, end);
			if (used < 0) {
				in.release();
				return; // the socket is being closed
			}
			at += used;
			if (this.headerLength > 0) {
				break; // the header goes on in the next read
			}
			if (this.remaining == 0 && frameEnded()) {
				cut = at;
				break;
			}
		}
		if (cut < 0 || cut == end) {
			ctx.fireChannelRead(in);
		}
		else {
			if (cut > start) {
				ctx.fireChannelRead(in.retainedSlice(start, cut - start));
			}
			in.release();
		}
		if (cut >= 0 && this.closeAtBoundary && !this.done) {
			sendGoingAway(); // the frame under way when the gateway began to stop has just ended
		}
	}

	/**
	 * Reads a header starting at {@code at} (or the rest of one begun in an earlier read). Returns
	 * the bytes of {@code in} it took, all of them when the header is still not whole (then kept in
	 * {@link #header}), or -1 after a frame that breaks the rules.
	 */
	private int header(ChannelHandlerContext ctx, ByteBuf in, int at, int end) {
		int kept = this.headerLength;
		int available = kept + (end - at);
		if (available < 2) {
			keep(in, at, end);
			return end - at;
		}
		int b0 = headerByte(in, at, 0);
		int b1 = headerByte(in, at, 1);
		int length7 = b1 & 0x7F;
		int size = 2 + ((length7 == 126) ? 2 : (length7 == 127) ? 8 : 0) + (((b1 & 0x80) != 0) ? 4 : 0);
		if (available < size) {
			keep(in, at, end);
			return end - at;
		}
		long length = length7;
		if (length7 == 126) {
			length = (headerByte(in, at, 2) << 8) | headerByte(in, at, 3);
		}
		else if (length7 == 127) {
			length = 0;
			for (int i = 2; i < 10; i++) {
				length = (length << 8) | headerByte(in, at, i);
			}
		}
		int key = 0;
		for (int i = size - 4; i < size && (b1 & 0x80) != 0; i++) {
			key = (key << 8) | headerByte(in, at, i);
		}
		this.headerLength = 0;
		String problem = check(b0, b1, length7, length);
		if (problem != null) {
			violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, problem);
			return -1;
		}
		if (length > this.maxPayload) {
			violation(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG, "frame larger than " + this.maxPayload + " bytes");
			return -1;
		}
		this.opcode = b0 & 0x0F;
		this.mask = key;
		this.remaining = length;
		if (this.opcode < OPCODE_CLOSE) {
			this.fragmented = (b0 & 0x80) == 0;
		}
		if (this.opcode != OPCODE_CLOSE) {
			if (ActivityClassifier.readsText(this.socket, this.opcode)) {
				this.textWanted = (int) Math.min(length, ActivityClassifier.TEXT_PREFIX);
				this.textLength = 0;
				if (this.textWanted == 0) {
					this.activity.frame(ActivityClassifier.isHumanText(this.socket, SCRATCH.get(), 0));
				}
			}
			else {
				this.activity.frame(ActivityClassifier.isHuman(this.socket));
			}
		}
		return size - kept;
	}

	/** What is wrong with a client frame's header, or null. */
	private @Nullable String check(int b0, int b1, int length7, long length) {
		int code = b0 & 0x0F;
		boolean fin = (b0 & 0x80) != 0;
		if ((b0 & 0x70) != 0) {
			return "reserved bits set without an extension";
		}
		if ((b1 & 0x80) == 0) {
			return "client frames must be masked";
		}
		if (code >= OPCODE_CLOSE) {
			if (code > OPCODE_PONG) {
				return "unknown opcode " + code;
			}
			if (!fin || length7 > 125) {
				return "control frames must be whole and at most 125 bytes";
			}
			return null;
		}
		if (code > OPCODE_BINARY) {
			return "unknown opcode " + code;
		}
		if (code == OPCODE_CONTINUATION && !this.fragmented) {
			return "a continuation frame outside a message";
		}
		if (code != OPCODE_CONTINUATION && this.fragmented) {
			return "a new message before the last one ended";
		}
		if (length < 0) {
			return "a payload length over 2^63";
		}
		return null;
	}

	private int headerByte(ByteBuf in, int at, int i) {
		byte[] kept = this.header;
		return ((kept != null && i < this.headerLength) ? kept[i] : in.getByte(at + i - this.headerLength)) & 0xFF;
	}

	private void keep(ByteBuf in, int at, int end) {
		if (this.header == null) {
			this.header = new byte[MAX_HEADER];
		}
		in.getBytes(at, this.header, this.headerLength, end - at);
		this.headerLength += end - at;
	}

	/** Unmasks the text frame's payload bytes {@code [at, at + n)} into the text read for its activity. */
	private void readText(ByteBuf in, int at, int n) {
		int take = Math.min(n, this.textWanted - this.textLength);
		byte[] into;
		if (this.textLength == 0 && take == this.textWanted) {
			into = SCRATCH.get(); // all of it in this read, the usual case
		}
		else {
			if (this.text == null) {
				this.text = new byte[this.textWanted];
			}
			into = this.text;
		}
		for (int i = 0; i < take; i++) {
			int offset = this.textLength + i;
			into[offset] = (byte) (in.getByte(at + i) ^ (this.mask >>> (24 - 8 * (offset & 3))));
		}
		this.textLength += take;
		if (this.textLength == this.textWanted) {
			this.activity.frame(ActivityClassifier.isHumanText(this.socket, into, this.textLength));
			this.textWanted = 0;
			this.text = null;
		}
	}

	/** The current frame is through; whether what follows it stays here. */
	private boolean frameEnded() {
		if (this.opcode == OPCODE_CLOSE) {
			this.done = true;
			return true;
		}
		return this.closeAtBoundary;
	}

	/**
	 * The gateway stops: a close 1001 goes to the server between two of the client's frames, now or
	 * at the end of the frame under way, and nothing from the client follows it. Any thread.
	 */
	void goingAway(Channel client) {
		client.eventLoop().execute(() -> {
			if (this.done) {
				return;
			}
			this.closeAtBoundary = true;
			if (this.remaining == 0 && this.headerLength == 0) {
				sendGoingAway();
			}
		});
	}

	private void sendGoingAway() {
		this.done = true;
		this.upstream.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, OpenWebSockets.REASON));
	}

	/**
	 * Ends the socket as a server would: a close frame with the reason to the client, then the
	 * connection (and, through the tunnel, the server's).
	 */
	private void violation(ChannelHandlerContext ctx, WebSocketCloseStatus status, String reason) {
		this.done = true;
		log.debug("websocket frame from the client refused: {}", reason);
		ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
	}
}
