package org.portico.gateway.proxy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import org.jspecify.annotations.Nullable;

/**
 * Keep-alive connections to the servers behind the {@link DirectHttpProxy}, one pool per event loop
 * and server: a connection is opened on the event loop of the client connection that needs it and is
 * only ever used there, so an exchange runs on one thread from the first byte to the last, without a
 * lock, a queue or a hop between threads.
 *
 * <p>Each event loop holds at most {@code maxPerServer} connections to one server (in use or idle);
 * past that the caller falls back to the Reactor path and its bounded, queueing pool, so a burst can
 * never exhaust ephemeral ports. Idle connections are closed after {@code maxIdle}, below the 60 s or
 * more that the servers keep them, so the gateway never writes to a connection the server is closing;
 * a server that closes one anyway takes it out of the pool at once.
 *
 * <p>The pool does not own the event loops it lives on (the context's {@link EventLoops}, which stop
 * on their own, possibly after the pool): {@link #close} closes every idle connection and cancels
 * every sweep on its own loop, and a connection given back after that is closed rather than kept.
 */
final class UpstreamPool {

	/** Decoded response bodies in chunks of up to this many bytes: fewer, larger writes to the client. */
	private static final int MAX_CHUNK = 64 * 1024;

	private final int maxPerServer;

	private final long maxIdleNanos;

	/** Every loop's pool, for {@link #close}; each is otherwise touched only by its own loop. */
	private final Set<LoopPool> all = ConcurrentHashMap.newKeySet();

	private final FastThreadLocal<LoopPool> pools = new FastThreadLocal<>() {
		@Override
		protected LoopPool initialValue() {
			LoopPool pool = new LoopPool();
			UpstreamPool.this.all.add(pool);
			return pool;
		}
	};

	private volatile boolean closed;

	private volatile @Nullable DnsAddressResolverGroup epollResolver;

	private volatile @Nullable DnsAddressResolverGroup nioResolver;

	UpstreamPool(int maxPerServer, Duration maxIdle) {
		this.maxPerServer = maxPerServer;
		this.maxIdleNanos = maxIdle.toNanos();
	}

	/** Where an upstream connection's messages go while an exchange holds it. */
	interface Owner {

		void upstreamRead(Object msg);

		void upstreamReadComplete();

		void upstreamWritable();

		void upstreamClosed();
	}

	/** One pooled connection: its channel and the handler that passes what it reads to its owner. */
	static final class Connection extends ChannelInboundHandlerAdapter {

		final Channel channel;

		private final LoopPool pool;

		private final URI server;

		private @Nullable Owner owner;

		/** When this connection, idle, is to be closed rather than reused ({@link System#nanoTime}). */
		private long idleDeadline;

		Connection(Channel channel, LoopPool pool, URI server) {
			this.channel = channel;
			this.pool = pool;
			this.server = server;
		}

		void attach(@Nullable Owner owner) {
			this.owner = owner;
		}

		/** The pool of the loop this connection belongs to. */
		LoopPool pool() {
			return this.pool;
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			Owner current = this.owner;
			if (current == null) {
				// a server speaking on an idle connection is out of step with it: it cannot be reused
				ReferenceCountUtil.release(msg);
				ctx.close();
				return;
			}
			current.upstreamRead(msg);
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			Owner current = this.owner;
			if (current != null) {
				current.upstreamReadComplete();
			}
		}

		@Override
		public void channelWritabilityChanged(ChannelHandlerContext ctx) {
			Owner current = this.owner;
			if (current != null && ctx.channel().isWritable()) {
				current.upstreamWritable();
			}
		}

		@Override
		public void channelInactive(ChannelHandlerContext ctx) {
			Owner current = this.owner;
			this.owner = null;
			this.pool.closed(this);
			if (current != null) {
				current.upstreamClosed();
			}
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			// a reset or a malformed response: the connection ends, and its owner hears it as a close
			ctx.close();
		}
	}

	/** What {@link #acquire} hands back: a connection, now or once it is connected. */
	interface Acquired {

		void connected(Connection connection, boolean reused);

		void failed(Throwable cause);
	}

	/**
	 * A connection to {@code server} for an exchange on {@code loop} (the caller's own event loop):
	 * an idle one at once, else a new one when it has connected. Returns {@code false}, calling
	 * nothing, when this loop already holds as many connections to that server as it may.
	 */
	boolean acquire(EventLoop loop, Channel client, URI server, Acquired callback) {
		if (this.closed) {
			return false;
		}
		LoopPool pool = this.pools.get();
		Connection idle = pool.idle(server, System.nanoTime());
		if (idle != null) {
			callback.connected(idle, true);
			return true;
		}
		return connect(loop, client, server, callback, false);
	}

	/** A new connection, whatever is idle (a retry after a pooled one turned out closed). */
	boolean connectNew(EventLoop loop, Channel client, URI server, Acquired callback) {
		return connect(loop, client, server, callback, true);
	}

	private boolean connect(EventLoop loop, Channel client, URI server, Acquired callback, boolean evenIfFull) {
		if (this.closed) {
			return false;
		}
		LoopPool pool = this.pools.get();
		pool.loop = loop;
		if (!evenIfFull && pool.open(server) >= this.maxPerServer) {
			return false;
		}
		boolean epoll = client instanceof EpollSocketChannel;
		if (!epoll && !(client instanceof NioSocketChannel)) {
			return false; // another transport (kqueue, io_uring): the Reactor path serves it
		}
		Class<? extends SocketChannel> type = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
		// @formatter:off
		Bootstrap bootstrap = new Bootstrap()
			.group(loop)
			.channel(type)
			.resolver(resolver(epoll))
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
			.option(ChannelOption.TCP_NODELAY, true)
			.handler(new ChannelInitializer<Channel>() {
				@Override
				protected void initChannel(Channel channel) {
					channel.pipeline().addLast("codec", new HttpClientCodec(4096, 16 * 1024, MAX_CHUNK));
				}
			});
		// @formatter:on
		pool.opened(server);
		int port = (server.getPort() > 0) ? server.getPort() : ("https".equals(server.getScheme()) ? 443 : 80);
		ChannelFuture future = bootstrap.connect(InetSocketAddress.createUnresolved(server.getHost(), port));
		future.addListener((done) -> {
			if (!done.isSuccess()) {
				pool.failed(server);
				callback.failed(done.cause());
				return;
			}
			Channel channel = future.channel();
			Connection connection = new Connection(channel, pool, server);
			channel.pipeline().addLast("portico.upstream", connection);
			if (!channel.isActive()) {
				// closed before its handler was there to hear it
				pool.failed(server);
				callback.failed(new java.net.ConnectException("connection closed as it opened"));
				return;
			}
			callback.connected(connection, false);
		});
		return true;
	}

	/**
	 * Gives a connection back, idle and reusable (its response read to the end, its request sent).
	 * {@code serverKeepsSeconds} is what the server said it keeps an idle connection
	 * ({@code Keep-Alive: timeout=5} from Node), or 0: the connection is not used past a second less
	 * than that, so a request does not meet the server's close on the way.
	 */
	void release(Connection connection, long serverKeepsSeconds) {
		connection.owner = null;
		if (!connection.channel.isActive()) {
			return;
		}
		if (this.closed) {
			connection.channel.close();
			return;
		}
		long now = System.nanoTime();
		long limit = this.maxIdleNanos;
		if (serverKeepsSeconds > 0) {
			limit = Math.min(limit, TimeUnit.SECONDS.toNanos(serverKeepsSeconds - 1));
		}
		if (limit <= 0) {
			connection.channel.close();
			return;
		}
		connection.idleDeadline = now + limit;
		connection.pool.park(connection, now, this.maxIdleNanos);
	}

	private DnsAddressResolverGroup resolver(boolean epoll) {
		DnsAddressResolverGroup group = epoll ? this.epollResolver : this.nioResolver;
		if (group == null) {
			synchronized (this) {
				group = epoll ? this.epollResolver : this.nioResolver;
				if (group == null) {
					Class<? extends DatagramChannel> datagram = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
					group = new DnsAddressResolverGroup(new DnsNameResolverBuilder().datagramChannelType(datagram));
					if (epoll) {
						this.epollResolver = group;
					}
					else {
						this.nioResolver = group;
					}
				}
			}
		}
		return group;
	}

	/**
	 * Closes every idle connection and cancels every sweep, each on its own loop; connections in use
	 * close when their exchange gives them back. The DNS resolvers close last.
	 */
	void close() {
		this.closed = true;
		for (LoopPool pool : this.all) {
			EventLoop loop = pool.loop;
			if (loop != null && !loop.isShuttingDown()) {
				loop.execute(() -> {
					pool.shutdown();
					this.pools.remove(); // runs on the loop whose thread holds it
				});
			}
		}
		this.all.clear();
		for (DnsAddressResolverGroup group : new DnsAddressResolverGroup[] { this.epollResolver, this.nioResolver }) {
			if (group != null) {
				group.close();
			}
		}
	}

	/** One event loop's connections; touched only by that loop's thread. */
	static final class LoopPool {

		private final Map<URI, ArrayDeque<Connection>> idle = new HashMap<>();

		private final Map<URI, int[]> open = new HashMap<>();

		/** The loop whose thread owns this pool, once it has opened a connection. */
		private volatile @Nullable EventLoop loop;

		/** The sweep of idle connections, scheduled while any are idle. */
		private @Nullable ScheduledFuture<?> sweep;

		/** The most recently used idle connection to {@code server}, dropping those past their deadline at {@code now}. */
		@Nullable Connection idle(URI server, long now) {
			ArrayDeque<Connection> queue = this.idle.get(server);
			if (queue == null) {
				return null;
			}
			for (Connection connection; (connection = queue.pollFirst()) != null;) {
				if (connection.channel.isActive() && connection.idleDeadline - now > 0) {
					return connection;
				}
				connection.channel.close();
			}
			return null;
		}

		void park(Connection connection, long now, long maxIdleNanos) {
			ArrayDeque<Connection> queue = this.idle.computeIfAbsent(connection.server, (key) -> new ArrayDeque<>());
			queue.addFirst(connection);
			// the least recently used wait at the tail: close those that have waited too long
			for (Connection last; (last = queue.peekLast()) != null && last.idleDeadline - now <= 0;) {
				queue.pollLast();
				last.channel.close();
			}
			if (this.sweep == null) {
				// connections nobody asks for again are closed by a sweep, not kept until the server drops them
				long period = Math.max(TimeUnit.SECONDS.toNanos(1), maxIdleNanos / 4);
				this.sweep = connection.channel.eventLoop().scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
			}
		}

		private void sweep() {
			long now = System.nanoTime();
			List<Connection> stale = new ArrayList<>();
			this.idle.values().removeIf((queue) -> {
				// deadlines differ (a server's own Keep-Alive timeout): every entry, not only the tail
				queue.removeIf((connection) -> connection.idleDeadline - now <= 0 && stale.add(connection));
				return queue.isEmpty();
			});
			stale.forEach((connection) -> connection.channel.close());
			if (this.idle.isEmpty()) {
				stopSweeping(); // the next connection parked starts it again
			}
		}

		/** Whether a sweep is scheduled (only on this pool's loop). */
		boolean sweeping() {
			return this.sweep != null;
		}

		private void stopSweeping() {
			ScheduledFuture<?> current = this.sweep;
			this.sweep = null;
			if (current != null) {
				current.cancel(false);
			}
		}

		void shutdown() {
			stopSweeping();
			List<Connection> connections = new ArrayList<>();
			this.idle.values().forEach(connections::addAll);
			this.idle.clear();
			connections.forEach((connection) -> connection.channel.close());
		}

		int open(URI server) {
			int[] count = this.open.get(server);
			return (count != null) ? count[0] : 0;
		}

		void opened(URI server) {
			this.open.computeIfAbsent(server, (key) -> new int[1])[0]++;
		}

		void failed(URI server) {
			int[] count = this.open.get(server);
			if (count != null && --count[0] <= 0) {
				this.open.remove(server);
			}
		}

		void closed(Connection connection) {
			ArrayDeque<Connection> queue = this.idle.get(connection.server);
			if (queue != null) {
				queue.remove(connection);
				if (queue.isEmpty()) {
					this.idle.remove(connection.server);
				}
			}
			failed(connection.server);
		}
	}
}
