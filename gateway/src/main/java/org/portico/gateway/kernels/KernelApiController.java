package org.portico.gateway.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.portico.gateway.security.Names;
import org.portico.gateway.security.PorticoPrincipal;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Portico's kernels API: {@code GET|POST /hub/api/users/NAME/kernels},
 * {@code GET /hub/api/users/NAME/kernels/KERNEL/check}, {@code DELETE /hub/api/users/NAME/kernels/KERNEL},
 * {@code GET /hub/api/users/NAME/environments} (what kernel-tools discovers) and
 * {@code GET /hub/api/modules} (the module catalogue).
 */
@RestController
@RequestMapping(path = "/hub/api", produces = MediaType.APPLICATION_JSON_VALUE)
class KernelApiController {

	private static final Set<String> FIELDS = Set.of("name", "display_name", "modules", "environment", "replace");

	private final KernelService kernels;

	private final ObjectMapper json;

	KernelApiController(KernelService kernels, ObjectMapper json) {
		this.kernels = kernels;
		this.json = json;
	}

	@GetMapping("/users/{name}/kernels")
	Mono<JsonNode> list(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name) {
		return this.kernels.list(user(principal, name));
	}

	@GetMapping("/users/{name}/environments")
	Mono<JsonNode> discover(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name) {
		return this.kernels.discover(user(principal, name));
	}

	@GetMapping("/modules")
	Mono<List<Map<String, Object>>> modules() {
		return this.kernels.modules();
	}

	@GetMapping("/users/{name}/kernels/{kernel}/check")
	Mono<JsonNode> check(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name, @PathVariable String kernel) {
		return this.kernels.check(user(principal, name), kernel);
	}

	@DeleteMapping("/users/{name}/kernels/{kernel}")
	Mono<ResponseEntity<Void>> remove(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable String kernel) {
		return this.kernels.remove(user(principal, name), kernel).thenReturn(ResponseEntity.noContent().build());
	}

	@PostMapping("/users/{name}/kernels")
	Mono<ResponseEntity<JsonNode>> create(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			ServerWebExchange exchange) {
		String user = user(principal, name);
		return DataBufferUtils.join(exchange.getRequest().getBody(), 64 * 1024)
			.map((buffer) -> {
				try {
					return buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
				}
				finally {
					DataBufferUtils.release(buffer);
				}
			})
			.defaultIfEmpty("")
			.map(this::request)
			.flatMap((request) -> this.kernels.create(user, request))
			.map((created) -> ResponseEntity.status(HttpStatus.CREATED).body(created));
	}

	private KernelService.Request request(String text) {
		JsonNode body;
		try {
			body = this.json.readTree(text.isBlank() ? "{}" : text);
		}
		catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
			throw refused("The request body is not valid JSON.");
		}
		if (!body.isObject()) {
			throw refused("The request body must be a JSON object.");
		}
		body.fieldNames().forEachRemaining((field) -> {
			if (!FIELDS.contains(field)) {
				throw refused("Unknown field '" + org.portico.gateway.security.Accounts.printable(field) + "'; allowed: " + FIELDS + ".");
			}
		});
		if (!body.path("name").isTextual()) {
			throw refused("'name' is required.");
		}
		List<String> modules = new ArrayList<>();
		JsonNode list = body.path("modules");
		if (!list.isMissingNode() && !list.isNull()) {
			if (!list.isArray()) {
				throw refused("'modules' must be a list of module names.");
			}
			for (JsonNode module : list) {
				if (!module.isTextual()) {
					throw refused("'modules' must be a list of module names.");
				}
				modules.add(module.asText());
			}
		}
		JsonNode environment = body.path("environment");
		String kind = environment.path("kind").asText("");
		String location = environment.path(kind.equals("pyenv") ? "version" : (kind.equals("conda") && environment.has("name")) ? "name" : "path")
			.asText("");
		if (kind.isEmpty() || location.isEmpty()) {
			throw refused("'environment' must be {\"kind\": \"venv\", \"path\": ...}, {\"kind\": \"conda\", \"name\" or \"path\": ...}, "
					+ "{\"kind\": \"pyenv\", \"version\": ...} or {\"kind\": \"python\", \"path\": ...}.");
		}
		String display = body.path("display_name").isTextual() ? body.get("display_name").asText() : null;
		return new KernelService.Request(body.get("name").asText(), display, modules, kind, location, body.path("replace").asBoolean(false));
	}

	@ExceptionHandler(KernelService.KernelRefused.class)
	ResponseEntity<Map<String, Object>> refusedAnswer(KernelService.KernelRefused ex) {
		Map<String, Object> body = new java.util.LinkedHashMap<>();
		body.put("status", ex.status().value());
		body.put("message", ex.getMessage());
		if (ex.detail() != null) {
			body.put("error", ex.detail());
		}
		return ResponseEntity.status(ex.status()).body(body);
	}

	private static KernelService.KernelRefused refused(String message) {
		return new KernelService.KernelRefused(HttpStatus.BAD_REQUEST, message, null);
	}

	private static String user(PorticoPrincipal principal, String name) {
		if (!Names.isValidUser(name)) {
			throw new KernelService.KernelRefused(HttpStatus.BAD_REQUEST, "Invalid user name. " + Names.userRule(), null);
		}
		if (!principal.mayManage(name)) {
			throw new KernelService.KernelRefused(HttpStatus.FORBIDDEN, "You may manage only your own kernels.", null);
		}
		return name;
	}
}
