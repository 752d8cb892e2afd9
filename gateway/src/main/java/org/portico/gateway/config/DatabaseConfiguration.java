package org.portico.gateway.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.h2.H2ConnectionOption;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The embedded, file-backed H2 database in {@code portico.data-dir}, through R2DBC.
 *
 * <p>Every commit is written at once ({@code WRITE_DELAY=0}) so that a {@code kill -9} of the
 * gateway loses no server record. Each connection keeps 64 parsed statements (H2's default is 8,
 * fewer than the store's statements, so a burst of starts re-parsed its SQL on every call). The data folder is made private to the gateway's user: it holds
 * the servers' secrets.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

	@Bean(destroyMethod = "dispose")
	ConnectionPool connectionFactory(PorticoProperties properties) {
		Path dir = properties.dataPath();
		createPrivateDirectory(dir);
		// @formatter:off
		H2ConnectionConfiguration h2 = H2ConnectionConfiguration.builder()
			.file(dir.resolve("portico").toString())
			.property(H2ConnectionOption.DB_CLOSE_DELAY, "-1")
			.property("WRITE_DELAY", "0")
			.property("QUERY_CACHE_SIZE", "64")
			.build();
		ConnectionFactory factory = new H2ConnectionFactory(h2);
		return new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
			.initialSize(2)
			.maxSize(10)
			.maxIdleTime(Duration.ofMinutes(30))
			.build());
		// @formatter:on
	}

	@Bean
	DatabaseClient databaseClient(ConnectionFactory connectionFactory) {
		return DatabaseClient.create(connectionFactory);
	}

	static void createPrivateDirectory(Path dir) {
		try {
			if (!Files.isDirectory(dir)) {
				Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot create the data folder " + dir, ex);
		}
	}
}
