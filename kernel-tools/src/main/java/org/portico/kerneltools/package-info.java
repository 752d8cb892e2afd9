/**
 * Jupyter kernelspecs for HPC environments: a kernel that loads environment modules and activates
 * one Python environment (a virtualenv, a conda env, a pyenv version or a given interpreter)
 * before it starts {@code ipykernel}.
 *
 * <p>{@link org.portico.kerneltools.KernelTools} creates, lists, checks and removes such kernels;
 * {@link org.portico.kerneltools.PythonDiscovery} finds the Pythons a user has. A kernel is a
 * folder holding Jupyter's {@code kernel.json} and a static POSIX {@code sh} launcher that every
 * kernel shares: the values of one kernel (module names, paths) travel as separate elements of
 * {@code kernel.json}'s {@code argv}, never as code. The module versions resolved at creation are
 * pinned and recorded in the kernelspec's metadata, so a later check reports drift.
 *
 * <p>Plain Java and Jackson, no Spring: the same code runs as a CLI on login and compute nodes,
 * as the user, which is how the gateway drives it. Every method that touches files or runs
 * commands blocks.
 */
@NullMarked
package org.portico.kerneltools;

import org.jspecify.annotations.NullMarked;
