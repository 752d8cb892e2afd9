package org.portico.gateway.app;

import java.nio.file.Path;
import java.util.Map;

import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The apps users can start ({@code portico.apps.NAME.*}), by name.
 *
 * @param apps app definitions by name, in the configuration itself; they replace descriptor files of the
 * same name
 * @param defaultApp the app started when a request names none
 * @param appsDir a folder of app descriptors, one {@code NAME.yaml} (or {@code .yml}, {@code .json}) each,
 * that add apps or replace the built-in ones of the same name; {@code null}: the built-in apps only
 */
@Validated
@ConfigurationProperties("portico")
public record AppProperties(@DefaultValue Map<String, @Valid AppDefinition> apps, @DefaultValue("jupyter") String defaultApp,
		@Nullable Path appsDir) {

	public AppProperties {
		apps = Map.copyOf(apps);
	}
}
