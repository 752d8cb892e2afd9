package org.portico.gateway.app;

import java.util.List;
import java.util.Map;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One app a user can start: what runs and how the gateway talks to it.
 *
 * <p>{@code command} is an argument list. These tokens are replaced in its arguments:
 * {@code {port}} (chosen by the spawner), {@code {host}} (the address to bind),
 * {@code {base_url}} ({@code /user/NAME/}, with its slashes), {@code {work_dir}}, {@code {user}} and
 * {@code {runtime_dir}} (where Portico's own helper files for apps are); the same tokens are
 * replaced in the values of {@code environment}.
 *
 * @param displayName the name shown on the launch page
 * @param description one line shown under it
 * @param command the server's argument list
 * @param rootArgs arguments added when the server runs as root (Jupyter refuses root without {@code --allow-root})
 * @param environment extra environment variables of the server
 * @param secretEnv the environment variable that receives the server's secret, which the gateway
 * then sends as {@code Authorization: token SECRET}
 * @param readyPath the path under {@code base_url} that answers once the server is up
 * @param kernelArg the argument that makes a chosen kernel the default ({@code {kernel}} is replaced
 * by a validated kernel name), or empty when the app has no kernels to choose
 * @param activityProbe how the culler asks the server whether it computes: {@code jupyter}
 * (its kernels and terminals API), or empty for none
 */
public record AppDefinition(@NotBlank String displayName, @DefaultValue("") String description, @NotEmpty List<String> command,
		@DefaultValue List<String> rootArgs, @DefaultValue Map<String, String> environment, @Nullable String secretEnv,
		@DefaultValue("") String readyPath, @DefaultValue("") String activityProbe, @DefaultValue("") String kernelArg) {

	public AppDefinition {
		command = List.copyOf(command);
		rootArgs = List.copyOf(rootArgs);
		environment = Map.copyOf(environment);
	}
}
