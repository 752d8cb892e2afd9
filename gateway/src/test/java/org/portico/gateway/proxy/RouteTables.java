package org.portico.gateway.proxy;

import org.portico.gateway.route.RouteTable;

/** Access to the route table implementation for benchmarks in other packages. */
final class RouteTables {

	private RouteTables() {
	}

	static RouteTable inMemory() {
		try {
			var constructor = Class.forName("org.portico.gateway.route.InMemoryRouteTable").getDeclaredConstructor();
			constructor.setAccessible(true);
			return (RouteTable) constructor.newInstance();
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}
}
