package org.portico.gateway.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool's lifecycle against a real loopback server: what {@link UpstreamPool#close} and the idle
 * sweep leave behind on an event loop that outlives them.
 */
class UpstreamPoolTests {

	private NioEventLoopGroup group;

	private EventLoop loop;

	private ServerSocket backend;

	/** One entry per upstream connection the backend saw end (it read end of stream). */
	private final BlockingQueue<Socket> ended = new LinkedBlockingQueue<>();

	private final List<Socket> accepted = new CopyOnWriteArrayList<>();

	private URI server;

	@BeforeEach
	void start() throws IOException {
		this.group = new NioEventLoopGroup(1);
		this.loop = this.group.next();
		this.backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.server = URI.create("http://127.0.0.1:" + this.backend.getLocalPort() + "/");
		Thread acceptor = new Thread(this::accept, "backend-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	@AfterEach
	void stop() throws Exception {
		this.backend.close();
		for (Socket socket : this.accepted) {
			socket.close();
		}
		this.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
	}

	@Test
	void closeEndsIdleConnectionsAndThoseGivenBackLater() throws Exception {
		UpstreamPool pool = new UpstreamPool(4, Duration.ofSeconds(60));
		UpstreamPool.Connection parked = connect(pool);
		UpstreamPool.Connection inUse = connect(pool);
		onLoop(() -> pool.release(parked, 0));
		assertThat(this.ended.poll(300, TimeUnit.MILLISECONDS)).as("an idle connection stays open while the pool is open").isNull();

		assertThat(onLoop(() -> parked.pool().sweeping())).isTrue();

		pool.close();
		assertThat(this.ended.poll(10, TimeUnit.SECONDS)).as("the idle connection, closed by close() (its idle limit is 60 s)").isNotNull();
		assertThat(onLoop(() -> parked.channel.isOpen())).isFalse();
		assertThat(onLoop(() -> parked.pool().sweeping())).as("close() cancels the loop's sweep").isFalse();

		onLoop(() -> pool.release(inUse, 0));
		assertThat(this.ended.poll(10, TimeUnit.SECONDS)).as("the connection in use, closed when given back").isNotNull();
		assertThat(onLoop(() -> pool.acquire(this.loop, new NioSocketChannel(), this.server, new Ignored()))).as("no connections after close()").isFalse();
	}

	@Test
	void theSweepClosesStaleConnectionsAndThenStops() throws Exception {
		UpstreamPool pool = new UpstreamPool(4, Duration.ofSeconds(1));
		UpstreamPool.Connection connection = connect(pool);
		onLoop(() -> pool.release(connection, 0));
		assertThat(onLoop(() -> connection.pool().sweeping())).as("a parked connection starts the sweep").isTrue();

		assertThat(this.ended.poll(10, TimeUnit.SECONDS)).as("closed by the sweep past its 1 s idle limit").isNotNull();
		assertThat(onLoop(() -> connection.pool().sweeping())).as("nothing left idle: no sweep left scheduled on the loop").isFalse();

		UpstreamPool.Connection next = connect(pool);
		onLoop(() -> pool.release(next, 0));
		assertThat(onLoop(() -> next.pool().sweeping())).as("the next parked connection starts it again").isTrue();
		pool.close();
	}

	@Test
	void aServerKeepAliveShorterThanTheLimitWins() throws Exception {
		UpstreamPool pool = new UpstreamPool(4, Duration.ofSeconds(60));
		UpstreamPool.Connection connection = connect(pool);
		// "Keep-Alive: timeout=1": not kept at all, since it would be used within a second of the server's close
		onLoop(() -> pool.release(connection, 1));
		assertThat(this.ended.poll(10, TimeUnit.SECONDS)).isNotNull();
		pool.close();
	}

	private UpstreamPool.Connection connect(UpstreamPool pool) throws Exception {
		CompletableFuture<UpstreamPool.Connection> result = new CompletableFuture<>();
		boolean started = onLoop(() -> pool.acquire(this.loop, new NioSocketChannel(), this.server, new UpstreamPool.Acquired() {
			@Override
			public void connected(UpstreamPool.Connection connection, boolean reused) {
				result.complete(connection);
			}

			@Override
			public void failed(Throwable cause) {
				result.completeExceptionally(cause);
			}
		}));
		assertThat(started).isTrue();
		return result.get(10, TimeUnit.SECONDS);
	}

	private <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
		return this.loop.submit(task).get(10, TimeUnit.SECONDS);
	}

	private void onLoop(Runnable task) throws Exception {
		this.loop.submit(task).get(10, TimeUnit.SECONDS);
	}

	private void accept() {
		while (!this.backend.isClosed()) {
			try {
				Socket socket = this.backend.accept();
				this.accepted.add(socket);
				Thread reader = new Thread(() -> {
					try (InputStream in = socket.getInputStream()) {
						while (in.read() >= 0) {
							// the pool sends nothing on its own; anything read is discarded
						}
						this.ended.add(socket);
					}
					catch (IOException ex) {
						this.ended.add(socket); // a reset ends it too
					}
				}, "backend-read");
				reader.setDaemon(true);
				reader.start();
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private static final class Ignored implements UpstreamPool.Acquired {

		@Override
		public void connected(UpstreamPool.Connection connection, boolean reused) {
			connection.channel.close();
		}

		@Override
		public void failed(Throwable cause) {
		}
	}
}
