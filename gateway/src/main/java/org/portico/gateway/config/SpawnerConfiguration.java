package org.portico.gateway.config;

import java.time.Duration;

import org.portico.spawner.local.LocalProcessSpawner;
import org.portico.spawner.local.LocalSpawnerSettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The spawners Portico can use; {@code portico.spawn.spawner} picks the one new servers use. */
@Configuration(proxyBeanMethods = false)
public class SpawnerConfiguration {

	@Bean
	LocalProcessSpawner localProcessSpawner(PorticoProperties properties) {
		LocalSpawnerSettings defaults = LocalSpawnerSettings.defaults();
		return new LocalProcessSpawner(new LocalSpawnerSettings(defaults.host(), defaults.setsid(),
				properties.spawn().stopGrace(), Duration.ofSeconds(5), defaults.readyProbeInterval()));
	}
}
