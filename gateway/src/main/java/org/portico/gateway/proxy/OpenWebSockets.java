package org.portico.gateway.proxy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The proxied WebSockets that are open, so that a gateway that stops ends them properly rather than
 * waiting for them.
 *
 * <p>A WebSocket never ends by itself: left to the web server's graceful shutdown, every open
 * notebook held a restart for its whole timeout (30 s) and then lost its socket without a close
 * frame. This lifecycle stops before the web server does: it tells each user's server that the
 * client is going away (close 1001), the server answers with its own close frame, which reaches the
 * browser as the server sent it (JupyterLab and noVNC reconnect on it), and the tunnel then closes
 * both connections. Whatever has not closed after {@link #GRACE} is closed outright. A WebSocket that
 * opens while the gateway stops is told the same at once.
 */
@Component
public class OpenWebSockets implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(OpenWebSockets.class);

	/** How long the servers have to answer the close before their connections are closed. */
	static final Duration GRACE = Duration.ofSeconds(2);

	static final String REASON = "Portico is restarting";

	/** The client channel of each open WebSocket (closed ones leave by themselves). */
	private final ChannelGroup clients = new DefaultChannelGroup("portico-websockets", GlobalEventExecutor.INSTANCE);

	private volatile boolean running;

	/** Adds the client channel of a WebSocket whose tunnel has just been joined. */
	void add(Channel client) {
		this.clients.add(client);
		if (!this.running) {
			goingAway(client);
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		int open = this.clients.size();
		if (open == 0) {
			return;
		}
		log.info("closing {} open websockets (1001 going away)", open);
		this.clients.forEach(OpenWebSockets::goingAway);
		boolean closed = this.clients.newCloseFuture().awaitUninterruptibly(GRACE.toMillis(), TimeUnit.MILLISECONDS);
		if (!closed) {
			log.info("{} websockets did not close within {} s: closing their connections", this.clients.size(), GRACE.toSeconds());
			this.clients.close().awaitUninterruptibly(GRACE.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/** A close frame to the server, between two of the client's frames (see {@link ClientFrames#goingAway}). */
	private static void goingAway(Channel client) {
		ClientFrames frames = client.pipeline().get(ClientFrames.class);
		if (frames != null) {
			frames.goingAway(client);
		}
		else {
			client.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Before the web server's graceful shutdown (which waits for open connections). */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE;
	}
}
