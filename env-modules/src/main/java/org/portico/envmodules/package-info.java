/**
 * One Java API over the two module systems found on HPC clusters: Lmod and Environment Modules
 * (the Tcl {@code modulecmd.tcl}, 4.x and 5.x).
 *
 * <p>{@link org.portico.envmodules.ModuleSystem} lists the modules a {@code MODULEPATH} offers
 * ({@link org.portico.envmodules.Catalogue}) and computes the exact environment that
 * {@code module load A B} produces ({@link org.portico.envmodules.EnvironmentChange}) by running the
 * tool in a child process with an explicit environment, so the calling JVM's own environment is
 * never read or changed. Module names a user typed are validated as
 * {@link org.portico.envmodules.ModuleSpec} values before any command runs, and every command is an
 * argument list, never a shell string. {@link org.portico.envmodules.CatalogueCache} keeps
 * catalogues until the module tree changes.
 *
 * <p>Plain Java and Jackson, no Spring, so the same code also runs on a compute node.
 */
@NullMarked
package org.portico.envmodules;

import org.jspecify.annotations.NullMarked;
