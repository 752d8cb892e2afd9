package org.portico.gateway.kernels;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Kernels per environment ({@code portico.kernels.*}).
 *
 * @param modulePath the MODULEPATH users' kernels load modules from ({@code MODULEPATH} of the
 * gateway when empty)
 * @param timeout how long one kernel-tools command may take (a kernel check starts Python)
 * @param runAs whose kernels kernel-tools manages, and as whom it runs: {@code gateway} (the servers
 * run as the gateway's own OS user, in {@code DATA_DIR/users/NAME}: the local spawner), {@code user}
 * (the servers run as batch jobs under the users' own accounts: kernel-tools runs as the user through
 * the batch scheduler's command prefix, in {@code portico.batch.home}), or {@code auto}: {@code user}
 * when a batch scheduler is enabled, else {@code gateway}
 */
@Validated
@ConfigurationProperties("portico.kernels")
public record KernelsProperties(@DefaultValue("") String modulePath, @NotNull @DefaultValue("90s") Duration timeout,
		@NotNull @Pattern(regexp = "auto|gateway|user") @DefaultValue("auto") String runAs) {
}
