package org.portico.gateway.proxy;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.proxy.UserPathProxy.Decision;
import org.portico.gateway.route.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain HTTP under {@code /user/} streamed in the client connection's own Netty pipeline, right
 * after the HTTP codec and ahead of Reactor Netty (gh-8: Reactor Netty wrote a response's head and
 * body in two turns of the event loop and switched reading off and on for both connections on every
 * exchange, 11 system calls where nginx makes 6).
 *
 * <p>The decision is {@link UserPathProxy#decide}'s, the same as on the Reactor path: path parsing,
 * authentication, the owner and Origin checks. Only a {@link Decision.Forward} is streamed here, on a
 * keep-alive connection from the {@link UpstreamPool} of this event loop: the request's head and body
 * go up as they arrive, the response's come back as they arrive, and what one read of the server
 * brought reaches the client in one flush. Everything else (WebSockets, the gateway's own answers,
 * {@code Expect: 100-continue}, a request pipelined behind one that Reactor Netty is answering, a
 * server this loop already holds its maximum of connections to) goes on to Reactor Netty as if this
 * handler were not there. Bodies are never aggregated; backpressure is Netty's own, a side stops
 * reading while the other side's outbound buffer is over its high-water mark.
 *
 * <p>One instance per client connection; every method runs on that connection's event loop, which is
 * also the event loop of the upstream connection it uses.
 */
final class DirectHttpProxy extends ChannelDuplexHandler {

	private static final Logger log = LoggerFactory.getLogger(DirectHttpProxy.class);

	static final String NAME = "portico.directHttp";

	private final UserPathProxy proxy;

	private final UpstreamPool pool;

	private @Nullable ChannelHandlerContext ctx;

	/** Requests given to Reactor Netty whose responses have not been written to their end. */
	private int reactorPending;

	/** Whether the body of the request being read goes to Reactor Netty. */
	private boolean bodyToReactor;

	/** The request being decided, its body held until the decision. */
	private @Nullable HttpRequest deciding;

	/** This handler's exchange, from the decision until the response's end. */
	private @Nullable Exchange exchange;

	/** Whether this connection is to end after the response being written: nothing more is read or answered. */
	private boolean closing;

	/** Messages read but not yet passed on: a body while deciding, or requests pipelined behind ours. */
	private @Nullable ArrayDeque<Object> held;

	/**
	 * Whether this handler reads the connection (auto-read on) rather than Reactor Netty (auto-read
	 * off, a read on demand). Reading on demand costs two {@code epoll_ctl} per read; a connection that
	 * only carries proxied requests is read continuously, and each hand-over switches it once.
	 */
	private boolean reading;

	/** Auto-read as Reactor Netty had it, given back with the next request that goes to it. */
	private boolean reactorAutoRead;

	DirectHttpProxy(UserPathProxy proxy, UpstreamPool pool) {
		this.proxy = proxy;
		this.pool = pool;
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.ctx = ctx;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (this.closing) {
			ReferenceCountUtil.release(msg);
			return;
		}
		if (this.held != null) {
			this.held.add(msg);
			return;
		}
		if (msg instanceof HttpRequest request) {
			if (this.exchange != null) {
				// pipelined behind the exchange under way: it waits for that response
				hold(msg);
				return;
			}
			if (this.reactorPending > 0 || !eligible(request)) {
				toReactor(ctx, request);
				return;
			}
			decide(ctx, request);
			return;
		}
		if (this.bodyToReactor) {
			if (msg instanceof LastHttpContent) {
				this.bodyToReactor = false;
			}
			ctx.fireChannelRead(msg);
			return;
		}
		Exchange current = this.exchange;
		if (current != null && msg instanceof HttpContent content) {
			if (content.decoderResult().isFailure()) {
				// a malformed chunk: the codec reads nothing more on this connection
				content.release();
				current.malformedRequest(content.decoderResult().cause());
				return;
			}
			current.fromClient(content);
			return;
		}
		// nothing of ours: a body whose exchange already ended early (its response is out) is dropped
		ReferenceCountUtil.release(msg);
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) {
		Exchange current = this.exchange;
		if (current != null) {
			current.clientReadComplete();
		}
		ctx.fireChannelReadComplete();
	}

	@Override
	public void channelWritabilityChanged(ChannelHandlerContext ctx) {
		Exchange current = this.exchange;
		if (current != null && ctx.channel().isWritable()) {
			current.clientWritable();
		}
		ctx.fireChannelWritabilityChanged();
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		Exchange current = this.exchange;
		this.exchange = null;
		if (current != null) {
			current.abandon();
		}
		releaseHeld();
		ctx.fireChannelInactive();
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		if (this.exchange != null || this.deciding != null) {
			log.debug("client connection failed during a direct exchange: {}", cause.toString());
			ctx.close();
			return;
		}
		ctx.fireExceptionCaught(cause);
	}

	/** Reactor Netty's responses pass here: counted, so that no exchange of ours overtakes one of its. */
	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
		if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
			ctx.write(msg, promise);
			if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
				// a WebSocket now: no more HTTP on this connection
				this.reactorPending = Integer.MAX_VALUE / 2;
				ctx.pipeline().remove(this);
			}
			return;
		}
		if (msg instanceof LastHttpContent && this.reactorPending > 0) {
			this.reactorPending--;
		}
		ctx.write(msg, promise);
	}

	private boolean eligible(HttpRequest request) {
		HttpMethod method = request.method();
		return request.decoderResult().isSuccess() && method != HttpMethod.CONNECT && method != HttpMethod.TRACE
				&& this.proxy.handles(request.uri())
				&& !WsProxyHandler.isUpgrade(request.headers()) && !request.headers().contains(HttpHeaderNames.EXPECT);
	}

	private void toReactor(ChannelHandlerContext ctx, HttpRequest request) {
		if (this.reading) {
			this.reading = false;
			ctx.channel().config().setAutoRead(this.reactorAutoRead);
		}
		this.reactorPending++;
		this.bodyToReactor = !(request instanceof LastHttpContent);
		ctx.fireChannelRead(request);
	}

	private void decide(ChannelHandlerContext ctx, HttpRequest request) {
		if (!this.reading) {
			this.reactorAutoRead = ctx.channel().config().isAutoRead();
		}
		this.deciding = request;
		this.held = new ArrayDeque<>(2);
		Channel channel = ctx.channel();
		String scheme = (ctx.pipeline().get(SslHandler.class) != null) ? "https" : "http";
		InetSocketAddress remote = (channel.remoteAddress() instanceof InetSocketAddress address) ? address : null;
		UserPathProxy.Incoming incoming = new UserPathProxy.Incoming(request.method(), request.uri(), request.headers(), scheme, remote);
		// @formatter:off
		this.proxy.decide(incoming).subscribe(
				(decision) -> onLoop(channel, () -> decided(ctx, request, decision)),
				(ex) -> onLoop(channel, () -> {
					log.warn("proxy decision failed, passing the request on: {}", ex.toString());
					decided(ctx, request, null);
				}));
		// @formatter:on
		if (this.deciding == request && this.reading) {
			// the credential was not in the cache: read no more until it is known
			channel.config().setAutoRead(false);
		}
	}

	private static void onLoop(Channel channel, Runnable task) {
		if (channel.eventLoop().inEventLoop()) {
			task.run();
		}
		else {
			channel.eventLoop().execute(task);
		}
	}

	private void decided(ChannelHandlerContext ctx, HttpRequest request, @Nullable Decision decision) {
		if (this.deciding != request) {
			return;
		}
		this.deciding = null;
		ArrayDeque<Object> body = this.held;
		this.held = null;
		if (!ctx.channel().isActive()) {
			releaseAll(body);
			return;
		}
		if (decision instanceof Decision.Forward forward && start(ctx, request, forward)) {
			// the exchange is under way: the rest of the body follows it
		}
		else {
			toReactor(ctx, request);
		}
		replay(ctx, body);
		flushUpstream();
		readOn(ctx.channel());
	}

	/** Body parts replayed outside a read of the client have no read-complete to flush them. */
	private void flushUpstream() {
		Exchange current = this.exchange;
		if (current != null) {
			current.clientReadComplete();
		}
	}

	private boolean start(ChannelHandlerContext ctx, HttpRequest request, Decision.Forward forward) {
		Exchange started = new Exchange(ctx, request, forward);
		this.exchange = started;
		if (!started.acquire()) {
			this.exchange = null;
			return false;
		}
		this.proxy.activity().record(forward.route(), forward.human());
		return true;
	}

	/** Called by the exchange once its response has been written to its end. */
	private void ended(Exchange ended) {
		if (this.exchange != ended) {
			return;
		}
		this.exchange = null;
		ChannelHandlerContext context = this.ctx;
		ArrayDeque<Object> pipelined = this.held;
		this.held = null;
		if (this.closing) {
			releaseAll(pipelined); // the connection ends with the response written: RFC 9112 9.6
			return;
		}
		if (context != null && pipelined != null) {
			replay(context, pipelined);
			flushUpstream();
		}
		if (context != null) {
			readOn(context.channel());
		}
	}

	private void replay(ChannelHandlerContext ctx, @Nullable ArrayDeque<Object> messages) {
		if (messages == null) {
			return;
		}
		for (Object msg; (msg = messages.poll()) != null;) {
			channelRead(ctx, msg);
		}
	}

	private void hold(Object msg) {
		this.held = new ArrayDeque<>(2);
		this.held.add(msg);
		ChannelHandlerContext context = this.ctx;
		if (context != null && this.reading) {
			context.channel().config().setAutoRead(false);
		}
	}

	/**
	 * Reads the connection continuously again, unless Reactor Netty has it or something waits: a
	 * decision, a held request, an upload the server is not taking.
	 */
	private void readOn(Channel channel) {
		Exchange current = this.exchange;
		if (this.reactorPending > 0 || this.bodyToReactor || this.held != null || this.deciding != null
				|| (current != null && current.uploadPaused)) {
			return;
		}
		this.reading = true;
		if (!channel.config().isAutoRead()) {
			channel.config().setAutoRead(true); // reads at once
		}
	}

	private void releaseHeld() {
		releaseAll(this.held);
		this.held = null;
	}

	private static void releaseAll(@Nullable ArrayDeque<Object> messages) {
		if (messages != null) {
			messages.forEach(ReferenceCountUtil::release);
			messages.clear();
		}
	}

	/**
	 * A message's end without its trailers: they would pass the header filters by (a trailer
	 * {@code Set-Cookie} of the gateway's cookie), and neither path forwards them.
	 */
	static LastHttpContent withoutTrailers(LastHttpContent last) {
		if (last.trailingHeaders().isEmpty()) {
			return last;
		}
		return new io.netty.handler.codec.http.DefaultLastHttpContent(last.content()); // the same buffer, its one reference
	}

	/** The {@code timeout=N} of a {@code Keep-Alive} response header, or 0. */
	static long keepAliveTimeout(@Nullable HttpResponse response) {
		String value = (response != null) ? response.headers().get(HttpHeaderNames.KEEP_ALIVE) : null;
		if (value == null) {
			return 0;
		}
		for (String part : value.split(",")) {
			String trimmed = part.trim();
			if (trimmed.regionMatches(true, 0, "timeout=", 0, 8)) {
				try {
					return Math.max(0, Long.parseLong(trimmed.substring(8).trim()));
				}
				catch (NumberFormatException ex) {
					return 0;
				}
			}
		}
		return 0;
	}

	/** One request and its response, between the client's connection and one upstream connection. */
	private final class Exchange implements UpstreamPool.Owner, UpstreamPool.Acquired {

		private final ChannelHandlerContext client;

		private final HttpRequest request;

		private final Decision.Forward forward;

		private final boolean keepAlive;

		/** A request without a body and without effects may be sent again on a new connection. */
		private final boolean retryable;

		private UpstreamPool.@Nullable Connection upstream;

		private boolean reused;

		private boolean retried;

		/** Body parts read before the upstream connection was there. */
		private @Nullable ArrayDeque<HttpContent> early;

		private boolean requestEnded;

		/** Whether the request's end has been written to the server: only then may its connection be reused. */
		private boolean requestSent;

		/** A 1xx came first: Netty's client codec then forgets that a HEAD has no body, so the connection is not reused. */
		private boolean sawInformational;

		private boolean upstreamUnflushed;

		private boolean clientUnflushed;

		private @Nullable HttpResponse upstreamHead;

		private boolean skippingInformational;

		private boolean closeClient;

		private boolean downloadPaused;

		private boolean uploadPaused;

		private boolean done;

		Exchange(ChannelHandlerContext client, HttpRequest request, Decision.Forward forward) {
			this.client = client;
			this.request = request;
			this.forward = forward;
			this.keepAlive = HttpUtil.isKeepAlive(request);
			// (Java's HttpClient sends "Content-Length: 0" with every GET)
			boolean hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) != 0;
			HttpMethod method = request.method();
			this.retryable = !hasBody && (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
			this.requestEnded = request instanceof LastHttpContent;
		}

		boolean acquire() {
			Channel channel = this.client.channel();
			return DirectHttpProxy.this.pool.acquire(channel.eventLoop(), channel, this.forward.route().target(), this);
		}

		@Override
		public void connected(UpstreamPool.Connection connection, boolean reused) {
			if (this.done) {
				connection.channel.close();
				return;
			}
			this.upstream = connection;
			this.reused = reused;
			connection.attach(this);
			Channel up = connection.channel;
			up.write(upstreamRequest(), up.voidPromise());
			if (this.retried && this.requestEnded) {
				// the request's end went to the connection that failed: a retry is only ever of a bodiless one
				writeUpstream(up, LastHttpContent.EMPTY_LAST_CONTENT);
			}
			ArrayDeque<HttpContent> parts = this.early;
			this.early = null;
			if (parts != null) {
				for (HttpContent part; (part = parts.poll()) != null;) {
					writeUpstream(up, part);
				}
			}
			up.flush();
			checkUpstreamWritable(up);
		}

		@Override
		public void failed(Throwable cause) {
			if (this.done) {
				return;
			}
			Route route = this.forward.route();
			if (cause instanceof ConnectException || cause instanceof java.nio.channels.ClosedChannelException
					|| cause instanceof java.net.UnknownHostException || cause instanceof io.netty.channel.ConnectTimeoutException) {
				log.warn("upstream unreachable routeSpec={} target={}: {}", route.spec(), route.target(), cause.toString());
				badGateway(HttpProxyHandler.UNREACHABLE);
			}
			else {
				log.error("proxy failure routeSpec={}", route.spec(), cause);
				badGateway("The gateway could not reach your server.");
			}
		}

		/** Writes a part of the request; its end is written without trailers, and noted once it is out. */
		private void writeUpstream(Channel up, HttpContent part) {
			if (part instanceof LastHttpContent last) {
				up.write(withoutTrailers(last)).addListener((written) -> this.requestSent = written.isSuccess());
			}
			else {
				up.write(part, up.voidPromise());
			}
		}

		private HttpRequest upstreamRequest() {
			Route route = this.forward.route();
			String base = route.target().getRawPath();
			String uri = ((base != null) ? base : "") + this.forward.target().upstreamUri(this.forward.stripToken(), route.strippedSegments());
			HttpRequest up = new DefaultHttpRequest(HttpVersion.HTTP_1_1, this.request.method(), uri, false);
			DirectHttpProxy.this.proxy.headers().copyRequest(this.request.headers(), up.headers(), route, this.forward.view(), false);
			if (!up.headers().contains(HttpHeaderNames.HOST)) {
				// an HTTP/1.0 client may send none; HTTP/1.1 requires one
				up.headers().set(HttpHeaderNames.HOST, route.target().getRawAuthority());
			}
			if (HttpUtil.isTransferEncodingChunked(this.request)) {
				up.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
				up.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
			}
			return up;
		}

		void fromClient(HttpContent content) {
			boolean last = content instanceof LastHttpContent;
			UpstreamPool.Connection connection = this.upstream;
			if (this.done) {
				content.release();
			}
			else if (connection == null) {
				if (this.early == null) {
					this.early = new ArrayDeque<>(2);
				}
				this.early.add(content);
			}
			else {
				writeUpstream(connection.channel, content);
				this.upstreamUnflushed = true;
				checkUpstreamWritable(connection.channel);
			}
			if (last) {
				this.requestEnded = true;
			}
		}

		private void checkUpstreamWritable(Channel up) {
			if (!up.isWritable() && !this.uploadPaused) {
				up.flush();
				this.upstreamUnflushed = false;
				this.uploadPaused = true;
				this.client.channel().config().setAutoRead(false);
				// readOn() switches it on again once the server's side drains
				if (up.isWritable()) {
					upstreamWritable();
				}
			}
		}

		void clientReadComplete() {
			UpstreamPool.Connection connection = this.upstream;
			if (this.upstreamUnflushed && connection != null) {
				this.upstreamUnflushed = false;
				connection.channel.flush();
			}
		}

		@Override
		public void upstreamWritable() {
			if (this.uploadPaused) {
				this.uploadPaused = false;
				readOn(this.client.channel());
			}
		}

		@Override
		public void upstreamRead(Object msg) {
			if (this.done) {
				ReferenceCountUtil.release(msg);
				return;
			}
			if (msg instanceof io.netty.handler.codec.http.HttpObject object && object.decoderResult().isFailure()) {
				ReferenceCountUtil.release(msg);
				Route route = this.forward.route();
				log.warn("malformed response from upstream routeSpec={} target={}: {}", route.spec(), route.target(),
						object.decoderResult().cause().toString());
				if (this.upstreamHead == null) {
					badGateway("The gateway could not read your server's answer.");
				}
				else {
					breakOff();
				}
				return;
			}
			if (msg instanceof HttpResponse head) {
				if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
					this.sawInformational = true;
					// 103 Early Hints and the like; nothing here asked for 100 Continue or an upgrade
					this.skippingInformational = head.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
					if (!this.skippingInformational) {
						ReferenceCountUtil.release(msg);
						abandon();
						this.client.close();
						return;
					}
				}
				else {
					this.upstreamHead = head;
					this.client.write(clientResponse(head), this.client.voidPromise());
					this.clientUnflushed = true;
				}
			}
			if (!(msg instanceof HttpContent content)) {
				if (!(msg instanceof HttpResponse)) {
					// raw bytes: the codec is not reading HTTP any more; nothing of this connection can be trusted
					ReferenceCountUtil.release(msg);
					if (this.upstreamHead == null) {
						badGateway("The gateway could not read your server's answer.");
					}
					else {
						breakOff();
					}
				}
				return;
			}
			if (this.skippingInformational) {
				if (content instanceof LastHttpContent) {
					this.skippingInformational = false;
				}
				content.release();
				return;
			}
			if (this.upstreamHead == null) {
				content.release();
				return;
			}
			if (content instanceof LastHttpContent) {
				finish(content);
				return;
			}
			if (content.content().isReadable()) {
				this.client.write(content, this.client.voidPromise());
				this.clientUnflushed = true;
			}
			else {
				content.release();
			}
			if (!this.client.channel().isWritable() && !this.downloadPaused) {
				UpstreamPool.Connection connection = this.upstream;
				this.client.flush();
				this.clientUnflushed = false;
				if (connection != null && !this.client.channel().isWritable()) {
					this.downloadPaused = true;
					connection.channel.config().setAutoRead(false);
				}
			}
		}

		private HttpResponse clientResponse(HttpResponse head) {
			Route route = this.forward.route();
			HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, head.status(), false);
			ForwardedHeaders.copyResponse(head.headers(), out.headers(), (route.cookie() != null) ? route.cookie().name() : null);
			if (route.stripPrefix()) {
				HttpProxyHandler.relocate(out.headers(), route);
			}
			int code = head.status().code();
			boolean bodyless = this.request.method() == HttpMethod.HEAD || code == 204 || code == 304;
			if (!bodyless && !out.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
				if (this.request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
					out.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
				}
				else {
					this.closeClient = true; // an HTTP/1.0 client reads such a body to the connection's end
				}
			}
			if (!this.requestEnded) {
				// the server answered before the whole request arrived: what remains of it is not read
				this.closeClient = true;
			}
			HttpUtil.setKeepAlive(out.headers(), this.request.protocolVersion(), this.keepAlive && !this.closeClient);
			return out;
		}

		private void finish(HttpContent last) {
			this.done = true;
			UpstreamPool.Connection connection = this.upstream;
			this.upstream = null;
			boolean reusable = connection != null && this.requestEnded && this.requestSent && !this.sawInformational
					&& this.upstreamHead != null && HttpUtil.isKeepAlive(this.upstreamHead);
			if (connection != null && this.downloadPaused) {
				this.downloadPaused = false;
				connection.channel.config().setAutoRead(true);
			}
			if (connection != null) {
				if (reusable) {
					DirectHttpProxy.this.pool.release(connection, keepAliveTimeout(this.upstreamHead));
				}
				else {
					connection.attach(null);
					connection.channel.close();
				}
			}
			if (!this.requestEnded) {
				this.closeClient = true;
			}
			LastHttpContent end = withoutTrailers((LastHttpContent) last);
			if (this.closeClient || !this.keepAlive) {
				DirectHttpProxy.this.closing = true;
				this.client.writeAndFlush(end).addListener(ChannelFutureListener.CLOSE);
			}
			else {
				this.client.writeAndFlush(end, this.client.voidPromise());
			}
			this.clientUnflushed = false;
			upstreamWritable(); // reading the client again, if an upload had paused it
			ended(this);
		}

		@Override
		public void upstreamReadComplete() {
			if (this.clientUnflushed) {
				this.clientUnflushed = false;
				this.client.flush();
			}
		}

		void clientWritable() {
			UpstreamPool.Connection connection = this.upstream;
			if (this.downloadPaused && connection != null) {
				this.downloadPaused = false;
				connection.channel.config().setAutoRead(true);
				connection.channel.read();
			}
		}

		@Override
		public void upstreamClosed() {
			if (this.done) {
				return;
			}
			this.upstream = null;
			if (this.upstreamHead != null) {
				breakOff();
				return;
			}
			if (this.reused && this.retryable && !this.retried) {
				// a pooled connection the server had closed as it was taken: once more on a new one
				this.retried = true;
				Channel channel = this.client.channel();
				DirectHttpProxy.this.pool.connectNew(channel.eventLoop(), channel, this.forward.route().target(), this);
				return;
			}
			Route route = this.forward.route();
			log.warn("upstream unreachable routeSpec={} target={}: connection closed before a response", route.spec(), route.target());
			badGateway(HttpProxyHandler.UNREACHABLE);
		}

		/** The response had begun: the client can only learn of a break by the connection's end. */
		private void breakOff() {
			abandon();
			DirectHttpProxy.this.closing = true;
			this.client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
			ended(this);
		}

		private void badGateway(String message) {
			abandon();
			boolean html = this.request.method() == HttpMethod.GET && ProxyResponses.wantsHtml(this.request.headers());
			HttpResponse response = ProxyResponses.errorResponse(HttpVersion.HTTP_1_1, html, HttpResponseStatus.BAD_GATEWAY, message);
			boolean close = !this.keepAlive || !this.requestEnded;
			HttpUtil.setKeepAlive(response.headers(), this.request.protocolVersion(), !close);
			if (close) {
				DirectHttpProxy.this.closing = true;
				this.client.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
			}
			else {
				this.client.writeAndFlush(response, this.client.voidPromise());
			}
			ended(this);
		}

		/** The client's body could not be decoded: the server must not take what came as the whole of it. */
		void malformedRequest(Throwable cause) {
			log.debug("malformed request body routeSpec={}: {}", this.forward.route().spec(), cause.toString());
			if (this.upstreamHead != null) {
				breakOff();
				return;
			}
			abandon();
			DirectHttpProxy.this.closing = true;
			HttpResponse response = ProxyResponses.errorResponse(HttpVersion.HTTP_1_1, false, HttpResponseStatus.BAD_REQUEST,
					"The request's body is malformed.");
			HttpUtil.setKeepAlive(response.headers(), this.request.protocolVersion(), false);
			this.client.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
			ended(this);
		}

		/** The client went away: the upstream connection is in an unknown state and is closed. */
		void abandon() {
			this.done = true;
			UpstreamPool.Connection connection = this.upstream;
			this.upstream = null;
			if (connection != null) {
				connection.attach(null);
				connection.channel.close();
			}
			releaseEarly();
		}

		private void releaseEarly() {
			ArrayDeque<HttpContent> parts = this.early;
			this.early = null;
			if (parts != null) {
				parts.forEach(ReferenceCountUtil::release);
			}
		}
	}
}
