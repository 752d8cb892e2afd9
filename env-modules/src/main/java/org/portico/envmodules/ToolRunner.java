package org.portico.envmodules;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs one module command. The seam between a module system's logic (which argv, how to read the
 * output) and processes, so that logic can be tested with scripted results.
 */
interface ToolRunner {

	/**
	 * Runs {@code command} with exactly {@code environment} and waits for it.
	 * @param command the argument list; the first element is an absolute path
	 * @param environment the complete environment of the child; nothing is inherited
	 * @param timeout how long to wait before killing the command
	 * @return the finished command's exit code and output
	 * @throws ModuleException with {@link ModuleException.Reason#TIMEOUT} if it ran too long, or
	 * {@link ModuleException.Reason#UNEXPECTED_OUTPUT} if it could not be started or printed too much
	 */
	ToolResult run(List<String> command, Map<String, String> environment, Duration timeout);

}
