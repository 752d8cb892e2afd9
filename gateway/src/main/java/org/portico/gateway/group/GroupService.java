package org.portico.gateway.group;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.portico.gateway.store.Group;
import org.portico.gateway.store.GroupStore;
import org.portico.gateway.store.UserStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Groups and their members, with each user's groups cached in memory for the start path (a class start
 * of a hundred students must not cost a hundred extra queries). Every change clears the cache; names
 * reaching it are already validated.
 */
@Component
public final class GroupService {

	private static final Logger log = LoggerFactory.getLogger(GroupService.class);

	private final GroupStore store;

	private final UserStore users;

	private final ConcurrentHashMap<String, Set<String>> byUser = new ConcurrentHashMap<>();

	// a load that began before a change must not put what it read into the cache after the change cleared it
	private final AtomicLong version = new AtomicLong();

	public GroupService(GroupStore store, UserStore users) {
		this.store = store;
		this.users = users;
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

	/** The groups a user is in (empty for none); from the cache when it can. */
	public Mono<Set<String>> groupsOf(String user) {
		Set<String> cached = this.byUser.get(user);
		if (cached != null) {
			return Mono.just(cached);
		}
		long seen = this.version.get();
		return this.store.groupsOf(user).collectList().map((list) -> {
			Set<String> groups = Set.copyOf(list);
			if (this.version.get() == seen) {
				this.byUser.put(user, groups);
			}
			return groups;
		});
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
		this.version.incrementAndGet();
		this.byUser.clear();
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
