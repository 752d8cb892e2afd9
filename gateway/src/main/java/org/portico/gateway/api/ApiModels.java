package org.portico.gateway.api;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.app.AppCatalog;
import org.portico.gateway.placement.PlacementService;
import org.portico.gateway.store.ApiToken;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;
import org.portico.gateway.store.User;

/** JSON bodies of the REST API, with JupyterHub's field names. */
final class ApiModels {

	private ApiModels() {
	}

	static Map<String, Object> user(User user, List<ServerRecord> servers) {
		return user(user, servers, java.util.Set.of());
	}

	static Map<String, Object> user(User user, List<ServerRecord> servers, java.util.Set<String> groups) {
		Map<String, Object> model = new LinkedHashMap<>();
		ServerRecord main = servers.stream().filter((s) -> s.name().isEmpty()).findFirst().orElse(null);
		model.put("kind", "user");
		model.put("name", user.name());
		model.put("admin", user.admin());
		model.put("roles", user.admin() ? List.of("admin", "user") : List.of("user"));
		model.put("groups", groups.stream().sorted().toList());
		model.put("server", (main != null && main.phase() == ServerPhase.RUNNING) ? AppCatalog.baseUrl(user.name(), "") : null);
		model.put("pending", (main != null) ? pending(main.phase()) : null);
		model.put("created", time(user.created()));
		model.put("last_activity", time(user.lastActivity()));
		Map<String, Object> active = new LinkedHashMap<>();
		for (ServerRecord server : servers) {
			if (server.phase().active()) {
				active.put(server.name(), server(server));
			}
		}
		model.put("servers", active);
		// Portico's addition: why the default server last stopped or failed, for clients that show it.
		model.put("server_message", (main != null && !main.phase().active()) ? main.message() : null);
		return model;
	}

	static Map<String, Object> service(String name) {
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("kind", "service");
		model.put("name", name);
		model.put("admin", true);
		model.put("roles", List.of("admin"));
		return model;
	}

	static Map<String, Object> server(ServerRecord server) {
		Map<String, Object> model = new LinkedHashMap<>();
		String url = AppCatalog.baseUrl(server.user(), server.name());
		String api = "/hub/api/users/" + server.user() + (server.name().isEmpty() ? "/server" : "/servers/" + server.name());
		model.put("name", server.name());
		model.put("ready", server.phase() == ServerPhase.RUNNING);
		model.put("stopped", !server.phase().active());
		model.put("pending", pending(server.phase()));
		model.put("url", url);
		model.put("progress_url", api + "/progress");
		model.put("started", time(server.started()));
		model.put("last_activity", time(server.lastActivity()));
		model.put("state", Map.of());
		// JupyterHub's user_options: what the start chose; the profile decides the server's culling policy and limits
		model.put("user_options", (server.profile() != null) ? Map.of("app", server.app(), "profile", server.profile())
				: Map.of("app", server.app()));
		model.put("message", server.message());
		// Portico's additions: walltime and the owner's pin against idle culling
		model.put("expires_at", time(server.expiresAt()));
		model.put("time_remaining", (server.expiresAt() != null)
				? Math.max(0, java.time.Duration.between(Instant.now(), server.expiresAt()).toSeconds()) : null);
		model.put("keep_until", time(server.keepUntil()));
		// Portico's addition: the placement seat (node, GPU share, cores) of an interactive pool, or null
		model.put("placement", server.phase().active() ? PlacementService.model(server.state()) : null);
		return model;
	}

	static Map<String, Object> token(ApiToken token, @Nullable String value) {
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("kind", "api_token");
		model.put("id", token.id());
		model.put("user", token.user());
		model.put("note", token.note());
		model.put("prefix", token.prefix());
		model.put("created", time(token.created()));
		model.put("expires_at", time(token.expiresAt()));
		model.put("last_activity", time(token.lastActivity()));
		if (value != null) {
			model.put("token", value);
		}
		return model;
	}

	private static @Nullable String pending(ServerPhase phase) {
		return switch (phase) {
			case PENDING -> "spawn";
			case STOPPING -> "stop";
			default -> null;
		};
	}

	static @Nullable String time(@Nullable Instant instant) {
		return (instant != null) ? instant.toString() : null;
	}
}
