package org.portico.spawner;

import java.net.URI;
import java.util.Objects;

/**
 * Where a ready server listens.
 *
 * @param host a host name or address the gateway can connect to
 * @param port its TCP port
 */
public record ServerEndpoint(String host, int port) {

	public ServerEndpoint {
		Objects.requireNonNull(host, "host");
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
	}

	/** The server's origin, {@code http://host:port}. */
	public URI uri() {
		return URI.create("http://" + (this.host.contains(":") ? "[" + this.host + "]" : this.host) + ":" + this.port);
	}
}
