package org.portico.gateway.proxy;

import java.util.ArrayDeque;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;

/**
 * The two Netty channels of a proxied WebSocket, joined once both handshakes are done, with no
 * Reactor stream, queue or subscriber between them (gh-8: an idle socket held two 128-slot queues
 * and their subscribers for its whole life).
 *
 * <p>Both ways are byte tunnels. Server to client: the upstream's frame decoder is taken out, and
 * what the server sends reaches the client as it came, close, ping and pong frames included,
 * whatever their size. Client to server: {@link ClientFrames} takes the place of the client's frame
 * decoder, reads each frame's header (checks, activity, where frames end) and passes the bytes on
 * still masked; close codes and reasons cross both ways as the peers sent them, and the frame size
 * limit applies to the client's frames.
 *
 * <p>Backpressure is Netty's own: a channel stops reading while its peer's outbound buffer is over
 * the high-water mark and reads again when that drains, so a client that does not read holds at most
 * about one read's worth plus the write buffer in the gateway. Each side closes the other when it
 * closes, after what was already written is flushed.
 */
final class WsTunnel {

	private static final Logger log = LoggerFactory.getLogger(WsTunnel.class);

	static final String HANDLER = "portico.wsTunnel";

	/** The decoder Netty's client handshaker adds upstream; the tunnel replaces it. */
	private static final String UPSTREAM_DECODER = "ws-decoder";

	private WsTunnel() {
	}

	/**
	 * Takes over the upstream channel's inbound side, right after its handshake and before the
	 * first frame is read: what the server sends is held (and reading paused) until
	 * {@link #join} is given the client's channel. Must run on the channel's event loop.
	 */
	static Side upstream(Channel upstream) {
		Side side = new Side();
		upstream.config().setAutoRead(false);
		if (upstream.pipeline().get(UPSTREAM_DECODER) != null) {
			upstream.pipeline().remove(UPSTREAM_DECODER);
		}
		upstream.pipeline().addBefore(NettyPipeline.ReactiveBridge, HANDLER, side);
		return side;
	}

	/**
	 * Joins the client's channel (its handshake done, nothing read yet) to the upstream side: what the
	 * client sends goes upstream as it came, read frame by frame by {@code frames} in place of Netty's
	 * decoder. Must run on the client channel's event loop.
	 */
	static void join(Side upstreamSide, Channel upstream, Channel client, ClientFrames frames) {
		Side clientSide = new Side();
		clientSide.peer = upstream;
		client.pipeline().replace(ClientFrames.NETTY_DECODER, ClientFrames.NAME, frames);
		client.pipeline().addBefore(NettyPipeline.ReactiveBridge, HANDLER, clientSide);
		client.config().setAutoRead(true);
		client.read();
		upstream.eventLoop().execute(() -> upstreamSide.start(upstream, client));
	}

	/** One direction: reads from its own channel, writes to {@code peer}. */
	static final class Side extends ChannelInboundHandlerAdapter {

		/** Set on this side's event loop; null while the client's handshake is still going on. */
		private volatile @Nullable Channel peer;

		/** What arrived before there was a peer to send it to (the server spoke first); rarely used. */
		private @Nullable ArrayDeque<Object> early;

		private boolean closed;

		/** Frames written to the peer in this read and not yet flushed. */
		private boolean unflushed;

		private void start(Channel self, Channel peer) {
			if (this.closed) {
				peer.close();
				return;
			}
			this.peer = peer;
			ArrayDeque<Object> held = this.early;
			this.early = null;
			if (held != null) {
				for (Object msg; (msg = held.poll()) != null;) {
					peer.write(msg, peer.voidPromise());
				}
				peer.flush();
			}
			self.config().setAutoRead(true);
			self.read();
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			Channel out = this.peer;
			if (out == null) {
				if (this.early == null) {
					this.early = new ArrayDeque<>(2);
				}
				this.early.add(msg);
				return;
			}
			// flushed once for all the frames of this read (channelReadComplete): fewer, fuller segments
			// for the peer, which pays a wake-up per segment
			out.write(msg, out.voidPromise());
			this.unflushed = true;
			if (!out.isWritable()) {
				this.unflushed = false;
				out.flush();
				ctx.channel().config().setAutoRead(false);
				// the peer may have drained between the check and the pause: its event would be lost
				if (out.isWritable()) {
					ctx.channel().config().setAutoRead(true);
				}
			}
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			Channel out = this.peer;
			if (this.unflushed && out != null) {
				this.unflushed = false;
				out.flush();
			}
			ctx.fireChannelReadComplete();
		}

		/** This channel's own buffer drained: the peer, which writes into it, may read again. */
		@Override
		public void channelWritabilityChanged(ChannelHandlerContext ctx) {
			Channel in = this.peer;
			if (in != null && ctx.channel().isWritable() && !in.config().isAutoRead()) {
				in.config().setAutoRead(true);
				in.read();
			}
			ctx.fireChannelWritabilityChanged();
		}

		@Override
		public void channelInactive(ChannelHandlerContext ctx) {
			this.closed = true;
			release();
			Channel out = this.peer;
			if (out != null) {
				out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
			}
			ctx.fireChannelInactive();
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			// a frame over the size limit, a protocol error or a reset: the socket ends, as it would
			// end for the peer; nothing upstream of this handler can act on it
			log.debug("websocket tunnel closed on error: {}", cause.toString());
			ctx.close();
		}

		private void release() {
			ArrayDeque<Object> held = this.early;
			this.early = null;
			if (held != null) {
				held.forEach(ReferenceCountUtil::release);
			}
		}
	}
}
