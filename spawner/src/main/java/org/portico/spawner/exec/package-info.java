/**
 * Running scheduler commands: argument lists ({@link org.portico.spawner.exec.CommandLine}), never shell
 * strings, executed by a {@link org.portico.spawner.exec.CommandRunner} (locally, or as another user through
 * a {@link org.portico.spawner.exec.CommandPrefix} such as {@code sudo -u NAME}), with bounded time and output.
 */
@NullMarked
package org.portico.spawner.exec;

import org.jspecify.annotations.NullMarked;
