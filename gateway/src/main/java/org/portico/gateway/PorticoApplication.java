package org.portico.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Portico's gateway: logs users in, starts their servers through a spawner and proxies
 * {@code /user/NAME/...} to them.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PorticoApplication {

	public static void main(String[] args) {
		SpringApplication.run(PorticoApplication.class, args);
	}
}
