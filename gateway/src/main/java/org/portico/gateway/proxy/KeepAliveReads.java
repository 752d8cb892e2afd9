package org.portico.gateway.proxy;

import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Keeps Reactor Netty reading a keep-alive connection whose requests came in faster than their
 * answers ended (reactor/reactor-netty#4361; Boot 3.5 brings 1.2.17, and 1.2.18 still lacks the fix).
 *
 * <p>Reactor Netty reads an HTTP/1.1 connection on demand: each answer's end asks for the next read.
 * A request that arrives before the previous answer has ended is held back with its last content;
 * when the held request is answered at once (a 404, a cached file), its leftover last content is
 * drained after the answer has ended, and nothing asks for a read again. The next request on the
 * connection then stays unread in the socket (its bytes sit in the receive queue): no answer, no
 * error, no timeout. A browser runs into it by itself, since it sends its next request as soon as a body is
 * in, before the server has written the answer's end: the login form's POST after the page's
 * stylesheet and favicon waited forever, one browser test in ten. A raw client saw it on every
 * connection that pipelined two requests and on two of five that sent three one after the other.
 *
 * <p>This handler sits right before Reactor Netty's traffic handler and counts the requests it is
 * given and the answers it writes. Once a request has arrived while another was open, and every
 * request is answered, it looks again a moment later and, if the connection is open and nothing is
 * being answered, asks for a read. A connection whose requests never overlap (a benchmark's, most
 * API clients') pays a counter and a flag. After a WebSocket upgrade the handler leaves the pipeline.
 * Remove it once Reactor Netty has the fix ({@code KeepAliveTests} shows when).
 */
final class KeepAliveReads extends ChannelDuplexHandler {

	static final String NAME = "portico.keepAliveReads";

	/** Long enough for Reactor Netty to end the last operations and drain its queue, short for a person. */
	static final long SETTLE_MILLIS = 20;

	/** Requests passed on to Reactor Netty whose answer has not ended yet. */
	private int open;

	/** A request came while another was open: the case in which reading can stop. */
	private boolean overlapped;

	private boolean checkScheduled;

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (msg instanceof HttpRequest) {
			if (this.open > 0) {
				this.overlapped = true;
			}
			this.open++;
		}
		ctx.fireChannelRead(msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
		if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
			// 100 Continue is not the answer's end; after 101 the connection speaks WebSocket
			ctx.write(msg, promise);
			if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
				ctx.pipeline().remove(this);
			}
			return;
		}
		boolean ends = msg instanceof LastHttpContent;
		ctx.write(msg, promise);
		if (ends && this.open > 0 && --this.open == 0 && this.overlapped && !this.checkScheduled) {
			this.checkScheduled = true;
			ctx.executor().schedule(() -> check(ctx), SETTLE_MILLIS, TimeUnit.MILLISECONDS);
		}
	}

	private void check(ChannelHandlerContext ctx) {
		this.checkScheduled = false;
		if (this.open > 0) {
			return; // a request is being answered: its end schedules the next look
		}
		this.overlapped = false;
		// Whether Reactor Netty still has a read pending cannot be told from here (in the stall, a read
		// it had asked for during the drain was no longer pending: switching auto-read off cancels one,
		// and that is no pipeline event). Asking again costs nothing when one is pending, as Netty keeps
		// one, and nobody else asks while no request is open.
		if (ctx.channel().isActive() && !ctx.isRemoved()) {
			ctx.read();
		}
	}
}
