package org.portico.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Portico's gateway: logs users in, starts their servers through a spawner and proxies
 * {@code /user/NAME/...} to them.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PorticoApplication {

	/** Reactor Netty's own system property for its event-loop count. */
	static final String IO_WORKER_COUNT = "reactor.netty.ioWorkerCount";

	public static void main(String[] args) {
		oneEventLoopPerCpu();
		SpringApplication.run(PorticoApplication.class, args);
	}

	/**
	 * One event loop per CPU the JVM may use, as nginx's {@code worker_processes auto}: Reactor Netty runs at
	 * least 4, and on a host of 1 or 2 CPUs the extra loops only hand each proxied request from the client's
	 * loop to the upstream connection's and back, a thread switch each way (on one CPU a small GET at one
	 * connection cost several times the CPU with 4 loops). An explicit {@code -Dreactor.netty.ioWorkerCount}
	 * wins; from 4 CPUs on nothing changes.
	 */
	static void oneEventLoopPerCpu() {
		if (System.getProperty(IO_WORKER_COUNT) == null) {
			System.setProperty(IO_WORKER_COUNT, Integer.toString(Runtime.getRuntime().availableProcessors()));
		}
	}
}
