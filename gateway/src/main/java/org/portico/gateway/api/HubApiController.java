package org.portico.gateway.api;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.lifecycle.ProgressEvent;
import org.portico.gateway.lifecycle.ServerManager;
import org.portico.gateway.security.Accounts;
import org.portico.gateway.security.Names;
import org.portico.gateway.security.PorticoPrincipal;
import org.portico.gateway.store.ServerRecord;
import org.portico.gateway.store.TokenStore;
import org.portico.gateway.store.User;
import org.portico.gateway.store.UserStore;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * JupyterHub's REST API under {@code /hub/api}: the same paths, verbs, JSON field names and status
 * codes, so that JupyterHub's clients and habits carry over. Authentication is the login cookie
 * (with the CSRF token for changes) or {@code Authorization: token ...}.
 */
@RestController
@RequestMapping(path = "/hub/api", produces = MediaType.APPLICATION_JSON_VALUE)
class HubApiController {

	private final UserStore users;

	private final TokenStore tokens;

	private final Accounts accounts;

	private final ServerManager servers;

	private final String version;

	private final com.fasterxml.jackson.databind.ObjectMapper json;

	private final org.portico.gateway.cull.IdleCuller culler;

	private final org.portico.gateway.group.GroupService groups;

	HubApiController(UserStore users, TokenStore tokens, Accounts accounts, ServerManager servers,
			org.springframework.beans.factory.ObjectProvider<BuildProperties> build, com.fasterxml.jackson.databind.ObjectMapper json,
			org.portico.gateway.cull.IdleCuller culler, org.portico.gateway.group.GroupService groups) {
		this.groups = groups;
		this.json = json;
		this.culler = culler;
		this.users = users;
		this.tokens = tokens;
		this.accounts = accounts;
		this.servers = servers;
		BuildProperties info = build.getIfAvailable();
		this.version = (info != null) ? info.getVersion() : "dev";
	}

	@GetMapping({ "", "/" })
	Map<String, Object> version() {
		return Map.of("version", this.version, "portico", true);
	}

	@GetMapping("/user")
	Mono<Map<String, Object>> me(@AuthenticationPrincipal PorticoPrincipal principal) {
		if (!principal.isUser()) {
			return Mono.just(ApiModels.service(principal.name()));
		}
		return userModel(principal.name());
	}

	@GetMapping("/users")
	Flux<Map<String, Object>> list(@AuthenticationPrincipal PorticoPrincipal principal) {
		requireAdmin(principal);
		return this.users.all().concatMap((user) -> this.servers.serversOf(user.name()).collectList()
			.zipWith(this.groups.groupsOf(user.name()), (servers, groups) -> ApiModels.user(user, servers, groups)));
	}

	@GetMapping("/users/{name}")
	Mono<Map<String, Object>> get(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name) {
		requireManage(principal, name);
		return userModel(name);
	}

	@PostMapping("/users/{name}")
	Mono<ResponseEntity<Map<String, Object>>> create(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			ServerWebExchange exchange) {
		requireAdmin(principal);
		validName(name);
		// @formatter:off
		return fields(exchange, Set.of("admin", "password"))
			.flatMap((fields) -> this.accounts.create(name, bool(fields, "admin"), text(fields, "password")))
			.onErrorMap(Accounts.AccountException.class, HubApiController::accountError)
			.map((user) -> ResponseEntity.status(HttpStatus.CREATED).body(ApiModels.user(user, List.of())));
		// @formatter:on
	}

	@PatchMapping("/users/{name}")
	Mono<Map<String, Object>> modify(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			ServerWebExchange exchange) {
		requireManage(principal, name);
		return fields(exchange, Set.of("admin", "password")).flatMap((fields) -> {
			Mono<Void> changes = Mono.empty();
			if (fields.has("admin")) {
				requireAdmin(principal);
				changes = changes.then(this.accounts.setAdmin(name, bool(fields, "admin")));
			}
			String password = text(fields, "password");
			if (password != null) {
				changes = changes.then(this.accounts.setPassword(name, password));
			}
			return existing(name).then(changes).onErrorMap(Accounts.AccountException.class, HubApiController::accountError)
				.then(userModel(name));
		});
	}

	@DeleteMapping("/users/{name}")
	Mono<ResponseEntity<Void>> delete(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name) {
		requireAdmin(principal);
		validName(name);
		if (principal.name().equals(name)) {
			return Mono.error(ApiException.badRequest("You cannot delete your own account."));
		}
		return this.accounts.delete(name).onErrorMap(Accounts.AccountException.class, HubApiController::accountError)
			.doOnSuccess((v) -> this.groups.invalidate())
			.thenReturn(ResponseEntity.noContent().build());
	}

	/**
	 * Starts the default server ({@code /users/NAME/server}) or a named one beside it
	 * ({@code /users/NAME/servers/SERVER}, at {@code /user/NAME/SERVER/}), as JupyterHub does. The app's form
	 * fields come in {@code "fields": {"NAME": value}}, or, as JupyterHub posts its {@code user_options}, as
	 * keys of the body itself; the server manager refuses a name the app has no field of.
	 */
	@PostMapping({ "/users/{name}/server", "/users/{name}/servers/{server_name}" })
	Mono<ResponseEntity<Map<String, Object>>> startServer(@AuthenticationPrincipal PorticoPrincipal principal,
			@PathVariable String name, @PathVariable(name = "server_name", required = false) @Nullable String serverName,
			ServerWebExchange exchange) {
		requireManage(principal, name);
		String server = serverName(serverName);
		// @formatter:off
		return fields(exchange, null)
			.flatMap((options) -> existing(name).then(this.groups.groupsOf(name))
				.flatMap((groups) -> this.servers.start(name, server, text(options, "app"), number(options, "hours"), choices(options),
						groups, appFields(options))))
			.map((record) -> ResponseEntity.status(HttpStatus.ACCEPTED).body(ApiModels.server(record)));
		// @formatter:on
	}

	/**
	 * Stops the default server or a named one; for a named server, {@code {"remove": true}} also deletes
	 * its record (JupyterHub's field), stopped or not, so that it leaves the user's list.
	 */
	@DeleteMapping({ "/users/{name}/server", "/users/{name}/servers/{server_name}" })
	Mono<ResponseEntity<Void>> stopServer(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable(name = "server_name", required = false) @Nullable String serverName, ServerWebExchange exchange) {
		requireManage(principal, name);
		String server = serverName(serverName);
		String why = "Stopped by " + (principal.name().equals(name) ? "you" : principal.name());
		return fields(exchange, server.isEmpty() ? Set.of() : Set.of("remove")).flatMap((fields) -> {
			if (bool(fields, "remove")) {
				return existing(name).then(this.servers.remove(name, server, why));
			}
			return existing(name).then(this.servers.stop(name, server, why));
		}).thenReturn(ResponseEntity.noContent().build());
	}

	/** Portico's addition: extend a running server's walltime, {@code {"hours": 1}}. */
	@PostMapping({ "/users/{name}/server/extend", "/users/{name}/servers/{server_name}/extend" })
	Mono<Map<String, Object>> extend(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable(name = "server_name", required = false) @Nullable String serverName, ServerWebExchange exchange) {
		requireManage(principal, name);
		String server = serverName(serverName);
		return fields(exchange, Set.of("hours")).flatMap((fields) -> {
			Double hours = number(fields, "hours");
			if (hours == null) {
				throw ApiException.badRequest("'hours' is required.");
			}
			return existing(name).then(this.servers.extend(name, server, hours)).map(ApiModels::server);
		});
	}

	/**
	 * Portico's addition: keep a running server from idle culling, {@code {"hours": 4}} or
	 * {@code {"until": "2026-11-25T18:00:00Z"}}, within the max-keep of its profile's policy ({@code portico.cull.max-keep} without one).
	 */
	@PostMapping({ "/users/{name}/server/keep", "/users/{name}/servers/{server_name}/keep" })
	Mono<Map<String, Object>> keep(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable(name = "server_name", required = false) @Nullable String serverName, ServerWebExchange exchange) {
		requireManage(principal, name);
		String server = serverName(serverName);
		return fields(exchange, Set.of("hours", "until")).flatMap((fields) -> {
			java.time.Instant until;
			Double hours = number(fields, "hours");
			String at = text(fields, "until");
			if ((hours == null) == (at == null)) {
				throw ApiException.badRequest("Give either 'hours' or 'until'.");
			}
			if (hours != null) {
				if (!(hours > 0)) {
					throw ApiException.badRequest("'hours' must be more than 0.");
				}
				until = java.time.Instant.now().plusSeconds(Math.round(hours * 3600));
			}
			else {
				try {
					until = java.time.Instant.parse(at);
				}
				catch (java.time.format.DateTimeParseException ex) {
					throw ApiException.badRequest("'until' must be an ISO 8601 time such as 2026-11-25T18:00:00Z.");
				}
			}
			return existing(name).then(this.servers.keep(name, server, until, this::maxKeep)).map(ApiModels::server);
		});
	}

	@DeleteMapping({ "/users/{name}/server/keep", "/users/{name}/servers/{server_name}/keep" })
	Mono<Map<String, Object>> unkeep(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable(name = "server_name", required = false) @Nullable String serverName) {
		requireManage(principal, name);
		String server = serverName(serverName);
		return existing(name).then(this.servers.keep(name, server, null, this::maxKeep)).map(ApiModels::server);
	}

	/**
	 * Portico's addition: the culling policy ({@code policy}: {@code portico.cull.*}; {@code profiles}: each
	 * profile's effective policy) and what its last sweep decided (admins).
	 */
	@GetMapping("/culler")
	Map<String, Object> culler(@AuthenticationPrincipal PorticoPrincipal principal) {
		requireAdmin(principal);
		return Map.of("policy", this.culler.policy(), "profiles", this.culler.policies().byProfile(), "last_sweep",
				this.culler.lastSweep());
	}

	private Duration maxKeep(ServerRecord server) {
		return this.culler.policies().of(server).maxKeep();
	}

	@GetMapping(path = { "/users/{name}/server/progress", "/users/{name}/servers/{server_name}/progress" },
			produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<ProgressEvent>> progress(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable(name = "server_name", required = false) @Nullable String serverName) {
		requireManage(principal, name);
		String server = serverName(serverName);
		return existing(name).thenMany(this.servers.progress(name, server))
			.map((event) -> ServerSentEvent.builder(event).build());
	}

	@GetMapping("/users/{name}/tokens")
	Mono<Map<String, Object>> listTokens(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name) {
		requireManage(principal, name);
		return existing(name).thenMany(this.tokens.forUser(name)).map((token) -> ApiModels.token(token, null)).collectList()
			.map((list) -> Map.of("api_tokens", list, "oauth_tokens", List.of()));
	}

	@PostMapping("/users/{name}/tokens")
	Mono<ResponseEntity<Map<String, Object>>> createToken(@AuthenticationPrincipal PorticoPrincipal principal,
			@PathVariable String name, ServerWebExchange exchange) {
		requireManage(principal, name);
		return fields(exchange, Set.of("note", "expires_in")).flatMap((fields) -> {
			Duration expiresIn = null;
			JsonNode value = fields.get("expires_in");
			if (value != null && !value.isNull()) {
				if (!value.canConvertToLong() || value.asLong() <= 0 || value.asLong() > Duration.ofDays(3650).toSeconds()) {
					throw ApiException.badRequest("expires_in must be a whole number of seconds between 1 and 10 years.");
				}
				expiresIn = Duration.ofSeconds(value.asLong());
			}
			return existing(name).then(this.accounts.issueToken(name, text(fields, "note"), expiresIn))
				.onErrorMap(Accounts.AccountException.class, HubApiController::accountError)
				.map((issued) -> ResponseEntity.status(HttpStatus.CREATED).body(ApiModels.token(issued.token(), issued.value())));
		});
	}

	@GetMapping("/users/{name}/tokens/{id}")
	Mono<Map<String, Object>> getToken(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable String id) {
		requireManage(principal, name);
		return this.tokens.forUser(name).filter((token) -> token.id().equals(id)).next()
			.switchIfEmpty(Mono.error(() -> ApiException.notFound("No such token.")))
			.map((token) -> ApiModels.token(token, null));
	}

	@DeleteMapping("/users/{name}/tokens/{id}")
	Mono<ResponseEntity<Void>> revokeToken(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable String id) {
		requireManage(principal, name);
		return this.accounts.revokeToken(name, id).onErrorMap(Accounts.AccountException.class, HubApiController::accountError)
			.thenReturn(ResponseEntity.noContent().build());
	}

	// ---- helpers

	private Mono<Map<String, Object>> userModel(String name) {
		return existing(name).flatMap((user) -> this.servers.serversOf(name).collectList()
			.zipWith(this.groups.groupsOf(name), (list, groups) -> ApiModels.user(user, list, groups)));
	}

	private Mono<User> existing(String name) {
		validName(name);
		return this.users.find(name).switchIfEmpty(Mono.error(() -> ApiException.notFound("No such user: " + name)));
	}

	private static void validName(String name) {
		if (!Names.isValidUser(name)) {
			throw ApiException.badRequest("Invalid user name '" + Accounts.printable(name) + "'. " + Names.userRule());
		}
	}

	/**
	 * The server a path names: {@code ""} for {@code /server}, else the {@code server_name} segment, which
	 * must follow the rules (a reserved name is refused only when starting, so that it can never exist).
	 */
	private static String serverName(@Nullable String serverName) {
		if (serverName == null) {
			return "";
		}
		if (serverName.isEmpty() || !Names.isValidServer(serverName)) {
			throw ApiException.badRequest("Invalid server name '" + Accounts.printable(serverName) + "'. " + Names.serverRule());
		}
		return serverName;
	}

	private static void requireAdmin(PorticoPrincipal principal) {
		if (!principal.admin()) {
			throw ApiException.forbidden("This needs admin rights.");
		}
	}

	private static void requireManage(PorticoPrincipal principal, String name) {
		validName(name);
		if (!principal.mayManage(name)) {
			throw ApiException.forbidden("You may act only on your own account.");
		}
	}

	/**
	 * The body, parsed as a JSON object with only {@code allowed} fields; an absent body is an empty
	 * object. Read as text whatever its content type, as JupyterHub does (clients such as curl send
	 * JSON as a form).
	 */
	private Mono<JsonNode> fields(ServerWebExchange exchange, @Nullable Set<String> allowed) {
		return ApiBodies.read(exchange, this.json).map((body) -> checked(body, allowed));
	}

	private static JsonNode checked(JsonNode body, @Nullable Set<String> allowed) {
		if (!body.isObject()) {
			throw ApiException.badRequest("The request body must be a JSON object.");
		}
		for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
			String field = names.next();
			if (allowed != null && !allowed.contains(field)) {
				throw ApiException.badRequest("Unknown field '" + Accounts.printable(field) + "'; allowed: " + allowed + ".");
			}
		}
		return body;
	}

	private static boolean bool(JsonNode fields, String name) {
		JsonNode value = fields.get(name);
		if (value == null || value.isNull()) {
			return false;
		}
		if (!value.isBoolean()) {
			throw ApiException.badRequest("'" + name + "' must be true or false.");
		}
		return value.booleanValue();
	}

	private static @Nullable String text(JsonNode fields, String name) {
		JsonNode value = fields.get(name);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isTextual()) {
			throw ApiException.badRequest("'" + name + "' must be a string.");
		}
		return value.textValue();
	}

	/** The keys of a start's body that are Portico's own; every other key is one of the app's form fields. */
	private static final Set<String> START_KEYS = Set.of("app", "hours", "profile", "queue", "immediate", "kernel", "fields");

	/**
	 * The values for the app's form fields: the {@code "fields"} object, plus any other key of the body (the
	 * body as JupyterHub's {@code user_options}). A number or boolean counts in its JSON spelling; the server
	 * manager checks each against its field.
	 */
	private static Map<String, String> appFields(JsonNode body) {
		Map<String, String> values = new java.util.LinkedHashMap<>();
		JsonNode fields = body.get("fields");
		if (fields != null && !fields.isNull()) {
			if (!fields.isObject()) {
				throw ApiException.badRequest("'fields' must be an object of field names and values.");
			}
			fields.fields().forEachRemaining((e) -> values.put(e.getKey(), scalar("fields." + e.getKey(), e.getValue())));
		}
		for (Iterator<Map.Entry<String, JsonNode>> entries = body.fields(); entries.hasNext();) {
			Map.Entry<String, JsonNode> e = entries.next();
			if (START_KEYS.contains(e.getKey())) {
				continue;
			}
			if (values.containsKey(e.getKey())) {
				throw ApiException.badRequest("Field '" + Accounts.printable(e.getKey()) + "' is given twice, in 'fields' and in the body.");
			}
			values.put(e.getKey(), scalar(e.getKey(), e.getValue()));
		}
		return values;
	}

	private static @Nullable String scalar(String name, JsonNode value) {
		if (value.isNull()) {
			return null;
		}
		if (value.isTextual()) {
			return value.textValue();
		}
		if (value.isBoolean()) {
			return Boolean.toString(value.booleanValue());
		}
		if (value.isIntegralNumber() || value.isFloatingPointNumber() && Double.isFinite(value.doubleValue())) {
			return value.decimalValue().toPlainString();
		}
		throw ApiException.badRequest("Field '" + Accounts.printable(name) + "' must be a string, a number, true or false.");
	}

	/** The profile choices of a start ({@code profile}, {@code queue}, {@code immediate}), checked by the server manager. */
	private static Map<String, String> choices(JsonNode fields) {
		Map<String, String> choices = new java.util.HashMap<>();
		for (String name : List.of("profile", "queue", "kernel")) {
			String value = text(fields, name);
			if (value != null) {
				choices.put(name, value);
			}
		}
		JsonNode immediate = fields.get("immediate");
		if (immediate != null && !immediate.isNull()) {
			if (!immediate.isBoolean()) {
				throw ApiException.badRequest("'immediate' must be true or false.");
			}
			choices.put("immediate", Boolean.toString(immediate.booleanValue()));
		}
		return choices;
	}

	private static @Nullable Double number(JsonNode fields, String name) {
		JsonNode value = fields.get(name);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
			throw ApiException.badRequest("'" + name + "' must be a number.");
		}
		return value.doubleValue();
	}

	private static ApiException accountError(Accounts.AccountException ex) {
		// JupyterHub answers 409 for a name that is taken, 400 for a user with a running server.
		HttpStatus status = switch (ex.kind()) {
			case NOT_FOUND -> HttpStatus.NOT_FOUND;
			case EXISTS -> HttpStatus.CONFLICT;
			case CONFLICT, INVALID -> HttpStatus.BAD_REQUEST;
		};
		return new ApiException(status, ex.getMessage());
	}
}
