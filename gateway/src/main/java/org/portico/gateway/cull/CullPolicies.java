package org.portico.gateway.cull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.batch.ProfileCatalog;
import org.portico.gateway.store.ServerRecord;
import org.springframework.stereotype.Component;

/**
 * The effective culling policy of every profile, resolved once at start-up from {@code portico.cull.*} and
 * each profile's {@code cull} overrides, so that a sweep finds a server's policy by one map lookup, without
 * any I/O. A server started without a profile, or with one the site has since removed, gets the global
 * policy. Immutable, thread-safe.
 */
@Component
public final class CullPolicies {

	private final CullPolicy global;

	private final Map<String, CullPolicy> byProfile;

	public CullPolicies(CullProperties properties, ProfileCatalog profiles) {
		this.global = CullPolicy.of(properties);
		Map<String, CullPolicy> resolved = new LinkedHashMap<>();
		profiles.all().forEach((name, profile) -> {
			try {
				resolved.put(name, this.global.with(profile.cull()));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalStateException("portico.profiles." + name + ".cull: " + ex.getMessage(), ex);
			}
		});
		this.byProfile = Collections.unmodifiableMap(resolved);
	}

	/** The global policy, for servers without a profile. */
	public CullPolicy global() {
		return this.global;
	}

	/** Every profile's effective policy, by profile name, in name order. */
	public Map<String, CullPolicy> byProfile() {
		return this.byProfile;
	}

	/** The policy of a profile; the global one for {@code null} or an unknown name. */
	public CullPolicy of(@Nullable String profile) {
		return (profile != null) ? this.byProfile.getOrDefault(profile, this.global) : this.global;
	}

	/** The policy in force for a server (its profile's). */
	public CullPolicy of(ServerRecord record) {
		return of(record.profile());
	}
}
