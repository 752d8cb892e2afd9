package org.portico.gateway.app;

import java.util.Map;

import jakarta.validation.Valid;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The apps users can start ({@code portico.apps.NAME.*}), by name.
 *
 * @param apps the app definitions by name
 * @param defaultApp the app started when a request names none
 */
@Validated
@ConfigurationProperties("portico")
public record AppProperties(@DefaultValue Map<String, @Valid AppDefinition> apps, @DefaultValue("jupyter") String defaultApp) {

	public AppProperties {
		apps = Map.copyOf(apps);
	}
}
