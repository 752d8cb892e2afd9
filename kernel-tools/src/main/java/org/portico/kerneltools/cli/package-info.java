/**
 * The {@code portico kernel} command line: {@code create}, {@code list}, {@code check},
 * {@code remove} and {@code discover}, with {@code --json} output for the gateway, which runs it
 * as the user. Runnable on its own on a login or compute node with {@code java -jar
 * portico-kernel-tools.jar}.
 */
@NullMarked
package org.portico.kerneltools.cli;

import org.jspecify.annotations.NullMarked;
