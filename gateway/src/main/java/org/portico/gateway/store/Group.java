package org.portico.gateway.store;

import java.util.List;

/**
 * A group of users, as JupyterHub has them: a class a lecturer reserves seats for.
 *
 * @param name the validated group name
 * @param users its members, by name
 */
public record Group(String name, List<String> users) {

	public Group {
		users = List.copyOf(users);
	}
}
