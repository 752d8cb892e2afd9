package org.portico.gateway.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.portico.gateway.api.PlacementApiController;
import org.portico.gateway.lifecycle.ServerException;
import org.portico.gateway.lifecycle.ServerManager;
import org.portico.gateway.placement.PlacementService;
import org.portico.gateway.security.Names;
import org.portico.gateway.security.PorticoPrincipal;
import org.portico.gateway.store.ServerRecord;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * The admin page ({@code /hub/admin}): every active server with its seat and a stop button, and each
 * interactive pool as the placement engine sees it now: nodes, cores, seats used, held and free per GPU,
 * who sits where, and the class reservations. The same figures as {@code GET /hub/api/placement}, from
 * memory; for admins only.
 */
@Controller
class AdminPageController {

	private final ServerManager servers;

	private final PlacementService placement;

	AdminPageController(ServerManager servers, PlacementService placement) {
		this.servers = servers;
		this.placement = placement;
	}

	@GetMapping("/hub/admin")
	Mono<String> admin(@AuthenticationPrincipal PorticoPrincipal principal, @RequestParam(required = false) String notice,
			Model model) {
		requireAdmin(principal);
		model.addAttribute("user", principal.name());
		model.addAttribute("admin", true);
		if (notice != null) {
			model.addAttribute("notice", notice);
		}
		List<Map<String, Object>> active = new ArrayList<>();
		this.servers.live().stream()
			.sorted(Comparator.comparing(ServerRecord::user).thenComparing(ServerRecord::name))
			.forEach((server) -> active.add(server(server)));
		model.addAttribute("servers", active);
		List<Map<String, Object>> pools = new ArrayList<>();
		this.placement.snapshot().forEach((name, view) -> {
			Map<String, Object> pool = new LinkedHashMap<>(PlacementApiController.pool(view));
			pool.put("name", name);
			pool.put("binding", String.valueOf(this.placement.binding(name)).toLowerCase(Locale.ROOT));
			int slots = 0;
			int used = 0;
			int cores = 0;
			int coresUsed = 0;
			for (var node : view.nodes()) {
				cores += node.coreCapacity();
				coresUsed += node.coresInUse();
				for (var gpu : node.gpus()) {
					slots += gpu.slots();
					used += gpu.used();
				}
			}
			pool.put("gpuSlots", slots);
			pool.put("gpuUsed", used);
			pool.put("coreCapacity", cores);
			pool.put("coresInUse", coresUsed);
			List<Map<String, Object>> reservations = new ArrayList<>();
			for (var r : view.reservations()) {
				reservations.add(Map.of("id", r.id(), "group", r.group(), "seats", r.seats(), "held", r.held(), "taken", r.taken(),
						"start", PageController.readable(r.start()), "end", PageController.readable(r.end()), "active", r.active()));
			}
			pool.put("reservationRows", reservations);
			pools.add(pool);
		});
		model.addAttribute("pools", pools);
		model.addAttribute("now", PageController.readable(Instant.now()));
		return Mono.just("admin");
	}

	/** Stops any user's server, as {@code DELETE /hub/api/users/NAME/server[s/SERVER]} does. */
	@PostMapping("/hub/admin/stop")
	Mono<String> stop(@AuthenticationPrincipal PorticoPrincipal principal, ServerWebExchange exchange) {
		requireAdmin(principal);
		return exchange.getFormData().flatMap((MultiValueMap<String, String> form) -> {
			String user = form.getFirst("user");
			String server = (form.getFirst("server") != null) ? form.getFirst("server") : "";
			if (user == null || !Names.isValidUser(user) || (!server.isEmpty() && !Names.isValidServer(server))) {
				return Mono.just(back("That is not a server."));
			}
			String label = server.isEmpty() ? user + "'s server" : user + "'s server " + server;
			return this.servers.stop(user, server, "Stopped by admin " + principal.name())
				.thenReturn(back("Stopping " + label + "."))
				.onErrorResume(ServerException.class, (ex) -> Mono.just(back(label + ": " + ex.getMessage())));
		});
	}

	private static String back(String notice) {
		return "redirect:" + UriComponentsBuilder.fromPath("/hub/admin").queryParam("notice", notice).encode().build().toUriString();
	}

	private static Map<String, Object> server(ServerRecord server) {
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("user", server.user());
		model.put("name", server.name());
		model.put("app", server.app());
		model.put("phase", server.phase().name());
		model.put("profile", (server.profile() != null) ? server.profile() : "");
		model.put("message", (server.message() != null) ? server.message() : "");
		model.put("started", (server.started() != null) ? PageController.readable(server.started()) : "");
		model.put("lastActivity", (server.lastActivity() != null) ? PageController.readable(server.lastActivity()) : "");
		model.put("expires", (server.expiresAt() != null) ? PageController.readable(server.expiresAt()) : "");
		Map<String, Object> seat = PlacementService.model(server.state());
		model.put("seat", (seat != null) ? seat.get("text") : "");
		return model;
	}

	private static void requireAdmin(PorticoPrincipal principal) {
		if (principal == null || !principal.isUser() || !principal.admin()) {
			throw new ResponseStatusException(HttpStatus.FORBIDDEN, "The admin page needs admin rights.");
		}
	}
}
