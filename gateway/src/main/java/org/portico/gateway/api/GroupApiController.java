package org.portico.gateway.api;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.portico.gateway.group.GroupService;
import org.portico.gateway.placement.ReservationService;
import org.portico.gateway.security.Accounts;
import org.portico.gateway.security.Names;
import org.portico.gateway.security.PorticoPrincipal;
import org.portico.gateway.store.Group;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * JupyterHub's groups API, for admins: {@code GET /hub/api/groups}, {@code GET|POST|DELETE /groups/NAME},
 * {@code POST|DELETE /groups/NAME/users} with {@code {"users": [...]}}.
 */
@RestController
@RequestMapping(path = "/hub/api/groups", produces = MediaType.APPLICATION_JSON_VALUE)
class GroupApiController {

	private final GroupService groups;

	private final ReservationService reservations;

	private final ObjectMapper json;

	GroupApiController(GroupService groups, ReservationService reservations, ObjectMapper json) {
		this.groups = groups;
		this.reservations = reservations;
		this.json = json;
	}

	@GetMapping({ "", "/" })
	Flux<Map<String, Object>> list(@AuthenticationPrincipal PorticoPrincipal principal) {
		PlacementApiController.requireAdmin(principal);
		return this.groups.all().map(GroupApiController::model);
	}

	@GetMapping("/{name}")
	Mono<Map<String, Object>> get(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name) {
		PlacementApiController.requireAdmin(principal);
		validName(name);
		return this.groups.find(name).map(GroupApiController::model).onErrorMap(GroupService.GroupException.class, GroupApiController::error);
	}

	@PostMapping("/{name}")
	Mono<ResponseEntity<Map<String, Object>>> create(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			ServerWebExchange exchange) {
		PlacementApiController.requireAdmin(principal);
		validName(name);
		return users(exchange, false).flatMap((users) -> this.groups.create(name, users))
			.map((group) -> ResponseEntity.status(HttpStatus.CREATED).body(model(group)))
			.onErrorMap(GroupService.GroupException.class, GroupApiController::error);
	}

	@DeleteMapping("/{name}")
	Mono<ResponseEntity<Void>> delete(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name) {
		PlacementApiController.requireAdmin(principal);
		validName(name);
		// the database deletes the group's reservations with it; the engines must let go of their seats too
		return this.groups.find(name).then(this.reservations.forgetGroup(name)).then(this.groups.delete(name))
			.thenReturn(ResponseEntity.noContent().<Void>build())
			.onErrorMap(GroupService.GroupException.class, GroupApiController::error);
	}

	@PostMapping("/{name}/users")
	Mono<Map<String, Object>> addUsers(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			ServerWebExchange exchange) {
		PlacementApiController.requireAdmin(principal);
		validName(name);
		return users(exchange, true).flatMap((users) -> this.groups.addMembers(name, users)).map(GroupApiController::model)
			.onErrorMap(GroupService.GroupException.class, GroupApiController::error);
	}

	@DeleteMapping("/{name}/users")
	Mono<Map<String, Object>> removeUsers(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			ServerWebExchange exchange) {
		PlacementApiController.requireAdmin(principal);
		validName(name);
		return users(exchange, true).flatMap((users) -> this.groups.removeMembers(name, users)).map(GroupApiController::model)
			.onErrorMap(GroupService.GroupException.class, GroupApiController::error);
	}

	static Map<String, Object> model(Group group) {
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("kind", "group");
		model.put("name", group.name());
		model.put("users", group.users());
		model.put("roles", List.of());
		model.put("properties", Map.of());
		return model;
	}

	/** The body's {@code users}: a list of valid user names; required when {@code required}. */
	private Mono<List<String>> users(ServerWebExchange exchange, boolean required) {
		return ApiBodies.read(exchange, this.json).map((body) -> {
			if (!body.isObject()) {
				throw ApiException.badRequest("The request body must be a JSON object.");
			}
			for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
				String field = names.next();
				if (!field.equals("users")) {
					throw ApiException.badRequest("Unknown field '" + Accounts.printable(field) + "'; allowed: [users].");
				}
			}
			JsonNode list = body.get("users");
			if (list == null || list.isNull()) {
				if (required) {
					throw ApiException.badRequest("'users' is required: a list of user names.");
				}
				return List.of();
			}
			if (!list.isArray()) {
				throw ApiException.badRequest("'users' must be a list of user names.");
			}
			List<String> users = new ArrayList<>();
			for (JsonNode user : list) {
				if (!user.isTextual() || !Names.isValidUser(user.textValue())) {
					throw ApiException.badRequest("'users': " + Accounts.printable(user.isTextual() ? user.textValue() : user.toString())
							+ " is not a user name. " + Names.userRule());
				}
				users.add(user.textValue());
			}
			return users;
		});
	}

	private static void validName(String name) {
		if (!Names.isValidGroup(name)) {
			throw ApiException.badRequest("Invalid group name '" + Accounts.printable(name) + "'. " + Names.groupRule());
		}
	}

	private static ApiException error(GroupService.GroupException ex) {
		HttpStatus status = switch (ex.kind()) {
			case NOT_FOUND -> HttpStatus.NOT_FOUND;
			case EXISTS -> HttpStatus.CONFLICT;
			case INVALID -> HttpStatus.BAD_REQUEST;
		};
		return new ApiException(status, ex.getMessage());
	}
}
