package org.portico.gateway.kernels;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Kernels per environment ({@code portico.kernels.*}).
 *
 * @param modulePath the MODULEPATH users' kernels load modules from ({@code MODULEPATH} of the
 * gateway when empty)
 * @param timeout how long one kernel-tools command may take (a kernel check starts Python)
 */
@Validated
@ConfigurationProperties("portico.kernels")
public record KernelsProperties(@DefaultValue("") String modulePath, @NotNull @DefaultValue("90s") Duration timeout) {
}
