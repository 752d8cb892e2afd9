package org.portico.gateway.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code user_groups} and {@code group_members} tables. Names reaching it are already validated. */
@Component
public final class GroupStore {

	private final DatabaseClient db;

	public GroupStore(DatabaseClient db) {
		this.db = db;
	}

	/** Every group with its members, by name. */
	public Flux<Group> all() {
		// one query: a group without members comes back with a null user_name
		return this.db.sql("SELECT g.name AS name, m.user_name AS user_name FROM user_groups g "
				+ "LEFT JOIN group_members m ON m.group_name = g.name ORDER BY g.name, m.user_name")
			.map((row) -> new String[] { row.get("name", String.class), row.get("user_name", String.class) })
			.all()
			.collectList()
			.flatMapMany((rows) -> {
				Map<String, List<String>> groups = new LinkedHashMap<>();
				for (String[] row : rows) {
					List<String> members = groups.computeIfAbsent(row[0], (name) -> new ArrayList<>());
					if (row[1] != null) {
						members.add(row[1]);
					}
				}
				return Flux.fromIterable(groups.entrySet()).map((e) -> new Group(e.getKey(), e.getValue()));
			});
	}

	/** The group with its members, or empty. */
	public Mono<Group> find(String name) {
		Mono<Boolean> exists = this.db.sql("SELECT COUNT(*) AS n FROM user_groups WHERE name = :name").bind("name", name)
			.map((row) -> row.get("n", Long.class)).one().map((n) -> n > 0);
		return exists.filter(Boolean::booleanValue)
			.flatMap((yes) -> members(name).collectList())
			.map((users) -> new Group(name, users));
	}

	/** The names of a group's members. */
	public Flux<String> members(String name) {
		return this.db.sql("SELECT user_name FROM group_members WHERE group_name = :name ORDER BY user_name")
			.bind("name", name).map((row) -> Rows.string(row, "user_name")).all();
	}

	/** Every membership, as {@code [user, group]} pairs. */
	public Flux<String[]> memberships() {
		return this.db.sql("SELECT user_name, group_name FROM group_members")
			.map((row) -> new String[] { Rows.string(row, "user_name"), Rows.string(row, "group_name") })
			.all();
	}

	/** The names of the groups a user is in. */
	public Flux<String> groupsOf(String user) {
		return this.db.sql("SELECT group_name FROM group_members WHERE user_name = :user ORDER BY group_name")
			.bind("user", user).map((row) -> Rows.string(row, "group_name")).all();
	}

	/** Creates a group; emits {@code true} when created, {@code false} when the name was taken. */
	public Mono<Boolean> create(String name) {
		return this.db.sql("INSERT INTO user_groups (name, created) SELECT :name, :created "
				+ "WHERE NOT EXISTS (SELECT 1 FROM user_groups WHERE name = :name)")
			.bind("name", name).bind("created", System.currentTimeMillis())
			.fetch().rowsUpdated().map((rows) -> rows > 0)
			.onErrorResume(org.springframework.dao.DataIntegrityViolationException.class, (ex) -> Mono.just(false));
	}

	/** Deletes a group with its memberships and reservations; emits whether it existed. */
	public Mono<Boolean> delete(String name) {
		return this.db.sql("DELETE FROM user_groups WHERE name = :name").bind("name", name).fetch().rowsUpdated()
			.map((rows) -> rows > 0);
	}

	/** Adds users (who must exist) to a group; those already in it stay once. */
	public Mono<Void> addMembers(String name, Collection<String> users) {
		return Flux.fromIterable(users)
			.concatMap((user) -> this.db.sql("INSERT INTO group_members (group_name, user_name) SELECT :group, :user "
					+ "WHERE NOT EXISTS (SELECT 1 FROM group_members WHERE group_name = :group AND user_name = :user)")
				.bind("group", name).bind("user", user).fetch().rowsUpdated())
			.then();
	}

	/** Removes users from a group; those not in it are ignored. */
	public Mono<Void> removeMembers(String name, Collection<String> users) {
		return Flux.fromIterable(users)
			.concatMap((user) -> this.db.sql("DELETE FROM group_members WHERE group_name = :group AND user_name = :user")
				.bind("group", name).bind("user", user).fetch().rowsUpdated())
			.then();
	}
}
