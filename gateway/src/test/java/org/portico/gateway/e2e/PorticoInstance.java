package org.portico.gateway.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.portico.gateway.PorticoApplication;
import org.portico.gateway.store.ServerRecord;
import org.portico.gateway.store.ServerStore;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A whole Portico gateway in this JVM, on a free port, with its data in a given folder; closing it
 * and starting another on the same folder is a gateway restart.
 */
final class PorticoInstance implements AutoCloseable {

	static final String ADMIN_TOKEN = "test-admin-token-0123456789";

	static final String ADMIN_PASSWORD = "admin-password-1";

	private final ConfigurableApplicationContext context;

	private PorticoInstance(ConfigurableApplicationContext context) {
		this.context = context;
	}

	static PorticoInstance start(Path dataDir, String... extraArgs) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--portico.data-dir=" + dataDir,
				"--portico.admin.password=" + ADMIN_PASSWORD, "--portico.admin.token=" + ADMIN_TOKEN,
				"--portico.spawn.poll-interval=2s", "--portico.spawn.stop-grace=3s"));
		// an extra --server.port replaces the free port (a restart that jobs must find on the same address)
		if (List.of(extraArgs).stream().anyMatch((arg) -> arg.startsWith("--server.port="))) {
			args.remove("--server.port=0");
		}
		args.addAll(List.of(extraArgs));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(PorticoApplication.class)
			.run(args.toArray(String[]::new));
		return new PorticoInstance(context);
	}

	int port() {
		return Integer.parseInt(this.context.getEnvironment().getRequiredProperty("local.server.port"));
	}

	String base() {
		return "http://127.0.0.1:" + port();
	}

	int routeApiPort() {
		return this.context.getBean(org.portico.gateway.route.RouteApiServer.class).port();
	}

	/** The database's record of a user's default server (the test reads the secret it must never see). */
	ServerRecord server(String user) {
		return this.context.getBean(ServerStore.class).find(user, "").block(Duration.ofSeconds(10));
	}

	/** The database's record of one of a user's servers ({@code ""}: the default one), or {@code null}. */
	ServerRecord server(String user, String name) {
		return this.context.getBean(ServerStore.class).find(user, name).block(Duration.ofSeconds(10));
	}

	/** The activity clocks the gateway keeps for a route spec, or {@code null} when it saw no traffic. */
	org.portico.gateway.lifecycle.ActivityTracker.Clocks activity(String spec) {
		return this.context.getBean(org.portico.gateway.lifecycle.ActivityTracker.class).of(spec);
	}

	@Override
	public void close() {
		this.context.close();
	}
}
