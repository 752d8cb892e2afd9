package org.portico.gateway.group;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.portico.gateway.store.Group;
import org.portico.gateway.store.GroupStore;
import org.portico.gateway.store.UserStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Groups and their members, with every user's groups held in memory for the start path (a class start
 * of a hundred students must not cost a hundred extra queries). Every change reloads them; names
 * reaching it are already validated.
 */
@Component
public final class GroupService {

	private static final Logger log = LoggerFactory.getLogger(GroupService.class);

	private final GroupStore store;

	private final UserStore users;

	// Every user's groups, loaded in one query on first use and again after a change: a class of a hundred
	// students starting at once then costs no query at all. Memberships are few (users x their groups).
	private final AtomicReference<Mono<Map<String, Set<String>>>> memberships = new AtomicReference<>();

	public GroupService(GroupStore store, UserStore users) {
		this.store = store;
		this.users = users;
		this.memberships.set(load());
	}

	/** A refused change: the group or a user does not exist, or the name is taken. */
	public static final class GroupException extends RuntimeException {

		/** What went wrong. */
		public enum Kind {
			NOT_FOUND, EXISTS, INVALID
		}

		private final Kind kind;

		GroupException(Kind kind, String message) {
			super(message, null, false, false);
			this.kind = kind;
		}

		public Kind kind() {
			return this.kind;
		}
	}

	/** The groups a user is in (empty for none), from memory once loaded. */
	public Mono<Set<String>> groupsOf(String user) {
		return this.memberships.get().map((all) -> all.getOrDefault(user, Set.of()));
	}

	private Mono<Map<String, Set<String>>> load() {
		@SuppressWarnings("unchecked")
		Mono<Map<String, Set<String>>>[] self = new Mono[1];
		// @formatter:off
		self[0] = this.store.memberships()
			.collect(HashMap<String, Set<String>>::new,
					(map, pair) -> map.computeIfAbsent(pair[0], (u) -> new HashSet<>()).add(pair[1]))
			.map((map) -> {
				Map<String, Set<String>> frozen = new HashMap<>();
				map.forEach((user, groups) -> frozen.put(user, Set.copyOf(groups)));
				return Map.copyOf(frozen);
			})
			// a failed load is not kept: the next caller tries again
			.doOnError((ex) -> this.memberships.compareAndSet(self[0], load()))
			.cache();
		// @formatter:on
		return self[0];
	}

	/** Every group with its members. */
	public Flux<Group> all() {
		return this.store.all();
	}

	/** The group; errors with {@code NOT_FOUND}. */
	public Mono<Group> find(String name) {
		return this.store.find(name).switchIfEmpty(Mono.error(() -> notFound(name)));
	}

	/** Creates a group with these (existing) users; errors with {@code EXISTS} or {@code INVALID}. */
	public Mono<Group> create(String name, Collection<String> members) {
		return requireUsers(members).then(this.store.create(name)).flatMap((created) -> {
			if (!created) {
				return Mono.error(new GroupException(GroupException.Kind.EXISTS, "Group " + name + " already exists."));
			}
			log.info("group created group={} members={}", name, members.size());
			return this.store.addMembers(name, members);
		}).doFinally((signal) -> invalidate()).then(find(name));
	}

	/** Deletes a group (and its reservations, in the database); errors with {@code NOT_FOUND}. */
	public Mono<Void> delete(String name) {
		return this.store.delete(name).flatMap((deleted) -> deleted ? Mono.empty() : Mono.error(notFound(name)))
			.doOnSuccess((v) -> log.info("group deleted group={}", name))
			.doFinally((signal) -> invalidate()).then();
	}

	/** Adds existing users to a group; errors with {@code NOT_FOUND} or {@code INVALID}. */
	public Mono<Group> addMembers(String name, Collection<String> members) {
		return find(name).then(requireUsers(members)).then(this.store.addMembers(name, members))
			.doFinally((signal) -> invalidate()).then(find(name));
	}

	/** Removes users from a group; errors with {@code NOT_FOUND}. */
	public Mono<Group> removeMembers(String name, Collection<String> members) {
		return find(name).then(this.store.removeMembers(name, members)).doFinally((signal) -> invalidate()).then(find(name));
	}

	/** Forgets the cached groups (after a user is deleted, say). */
	public void invalidate() {
		this.memberships.set(load());
	}

	private Mono<Void> requireUsers(Collection<String> members) {
		Set<String> names = new LinkedHashSet<>(members);
		return Flux.fromIterable(names)
			.concatMap((user) -> this.users.find(user).hasElement().map((exists) -> exists ? "" : user))
			.filter((missing) -> !missing.isEmpty())
			.collectList()
			.flatMap((missing) -> missing.isEmpty() ? Mono.<Void>empty()
					: Mono.error(new GroupException(GroupException.Kind.INVALID, "No such user: " + String.join(", ", missing) + ".")));
	}

	private static GroupException notFound(String name) {
		return new GroupException(GroupException.Kind.NOT_FOUND, "No group " + name + ".");
	}

}
