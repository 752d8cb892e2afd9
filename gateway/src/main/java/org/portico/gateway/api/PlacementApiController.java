package org.portico.gateway.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.portico.gateway.placement.PlacementService;
import org.portico.gateway.placement.ReservationRules;
import org.portico.gateway.placement.ReservationService;
import org.portico.gateway.store.ReservationRecord;
import org.portico.gateway.security.PorticoPrincipal;
import org.portico.spawner.placement.PoolView;
import org.portico.spawner.placement.Seat;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.http.ResponseEntity;
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
 * Portico's placement API for admins: the interactive pools, their nodes, seats used and free per GPU, who
 * sits where, and the reservations ({@code GET /hub/api/placement}).
 */
@RestController
@RequestMapping(path = "/hub/api/placement", produces = MediaType.APPLICATION_JSON_VALUE)
public class PlacementApiController {

	private final PlacementService placement;

	private final ReservationService reservations;

	private final com.fasterxml.jackson.databind.ObjectMapper json;

	PlacementApiController(PlacementService placement, ReservationService reservations,
			com.fasterxml.jackson.databind.ObjectMapper json) {
		this.placement = placement;
		this.reservations = reservations;
		this.json = json;
	}

	/** The class reservations not over yet (admins, and lecturers: {@code portico.placement.lecturer-group}). */
	@GetMapping("/reservations")
	Flux<Map<String, Object>> reservations(@AuthenticationPrincipal PorticoPrincipal principal) {
		return this.reservations.list(principal).map(PlacementApiController::reservation).onErrorMap(PlacementApiController::error);
	}

	/** Reserves seats: {@code {"pool", "group", "seats", "start", "end", "nodes"?}}; 201 with the reservation. */
	@PostMapping("/reservations")
	Mono<ResponseEntity<Map<String, Object>>> reserve(@AuthenticationPrincipal PorticoPrincipal principal,
			ServerWebExchange exchange) {
		return ApiBodies.read(exchange, this.json)
			.map(ReservationRules::parse)
			.flatMap((draft) -> this.reservations.create(principal, draft))
			.map((record) -> ResponseEntity.status(HttpStatus.CREATED).body(reservation(record)))
			.onErrorMap(PlacementApiController::error);
	}

	/** Cancels a reservation: its held seats return to everyone; 204. */
	@DeleteMapping("/reservations/{id}")
	Mono<ResponseEntity<Void>> cancel(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String id) {
		return this.reservations.delete(principal, id).thenReturn(ResponseEntity.noContent().<Void>build())
			.onErrorMap(PlacementApiController::error);
	}

	private static Map<String, Object> reservation(ReservationRecord r) {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("id", r.id());
		m.put("pool", r.pool());
		m.put("group", r.group());
		m.put("seats", r.seats());
		m.put("start", r.start().toString());
		m.put("end", r.end().toString());
		m.put("nodes", r.nodes());
		m.put("created_by", r.createdBy());
		return m;
	}

	private static Throwable error(Throwable ex) {
		if (ex instanceof ReservationRules.Invalid invalid) {
			return ApiException.badRequest(invalid.getMessage());
		}
		if (ex instanceof ReservationService.Forbidden) {
			return ApiException.forbidden(ex.getMessage());
		}
		if (ex instanceof ReservationService.NotFound) {
			return ApiException.notFound(ex.getMessage());
		}
		return ex;
	}

	@GetMapping({ "", "/" })
	Mono<Map<String, Object>> pools(@AuthenticationPrincipal PorticoPrincipal principal) {
		requireAdmin(principal);
		Map<String, Object> pools = new LinkedHashMap<>();
		this.placement.snapshot().forEach((name, view) -> {
			Map<String, Object> model = pool(view);
			// with "scheduler", per-GPU counts are Portico's bookkeeping; Slurm picks the device within the node
			model.put("gpu_binding", String.valueOf(this.placement.binding(name)).toLowerCase(java.util.Locale.ROOT));
			pools.put(name, model);
		});
		return Mono.just(Map.of("pools", pools));
	}

	static void requireAdmin(PorticoPrincipal principal) {
		if (!principal.admin()) {
			throw new ApiException(HttpStatus.FORBIDDEN, "This needs admin rights.");
		}
	}

	/** A pool as the API and the admin page show it. */
	public static Map<String, Object> pool(PoolView view) {
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("sessions", view.sessions());
		List<Object> nodes = new ArrayList<>();
		for (PoolView.NodeView node : view.nodes()) {
			Map<String, Object> n = new LinkedHashMap<>();
			n.put("name", node.name());
			n.put("open", node.open());
			n.put("state", node.state());
			n.put("cores", node.capacity().cores());
			n.put("core_capacity", node.coreCapacity());
			n.put("cores_in_use", node.coresInUse());
			n.put("memory_capacity_mib", node.memoryCapacityMiB());
			n.put("memory_in_use_mib", node.memoryInUseMiB());
			List<Object> gpus = new ArrayList<>();
			for (PoolView.GpuView gpu : node.gpus()) {
				gpus.add(Map.of("index", gpu.index(), "slots", gpu.slots(), "used", gpu.used(), "held", gpu.held(), "free",
						gpu.free(), "users", gpu.users()));
			}
			n.put("gpus", gpus);
			List<Object> seats = new ArrayList<>();
			for (Seat seat : node.seats()) {
				Map<String, Object> s = new LinkedHashMap<>();
				s.put("user", seat.user());
				s.put("session", seat.sessionId());
				s.put("gpu", seat.gpu());
				s.put("gpu_slots", seat.gpuSlots());
				s.put("cores", seat.cores());
				s.put("memory_mib", seat.memoryMiB());
				s.put("since", seat.since().toString());
				s.put("ends", seat.endsAt().toString());
				s.put("reservation", seat.reservationId());
				seats.add(s);
			}
			n.put("seats", seats);
			n.put("held", node.held().size());
			nodes.add(n);
		}
		model.put("nodes", nodes);
		List<Object> reservations = new ArrayList<>();
		for (PoolView.ReservationView r : view.reservations()) {
			Map<String, Object> m = new LinkedHashMap<>();
			m.put("id", r.id());
			m.put("group", r.group());
			m.put("seats", r.seats());
			m.put("held", r.held());
			m.put("taken", r.taken());
			m.put("start", r.start().toString());
			m.put("end", r.end().toString());
			m.put("active", r.active());
			reservations.add(m);
		}
		model.put("reservations", reservations);
		return model;
	}
}
