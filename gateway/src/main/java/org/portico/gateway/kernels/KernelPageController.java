package org.portico.gateway.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.security.PorticoPrincipal;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The Kernels page ({@code /hub/kernels}): a user's kernels with check and remove, and a form that
 * creates one from modules (picked with search) and an environment kernel-tools discovered.
 */
@Controller
class KernelPageController {

	private final KernelService kernels;

	KernelPageController(KernelService kernels) {
		this.kernels = kernels;
	}

	@ModelAttribute("_csrf")
	Mono<CsrfToken> csrf(ServerWebExchange exchange) {
		Mono<CsrfToken> token = exchange.getAttribute(CsrfToken.class.getName());
		return (token != null) ? token : Mono.empty();
	}

	@GetMapping("/hub/kernels")
	Mono<String> page(@AuthenticationPrincipal PorticoPrincipal principal, @RequestParam(required = false) @Nullable String notice,
			Model model) {
		if (notice != null) {
			model.addAttribute("notice", notice);
		}
		return render(principal, model);
	}

	@PostMapping("/hub/kernels")
	Mono<String> create(@AuthenticationPrincipal PorticoPrincipal principal, ServerWebExchange exchange, Model model) {
		return exchange.getFormData().flatMap((form) -> {
			KernelService.Request request;
			try {
				request = request(form);
			}
			catch (KernelService.KernelRefused ex) {
				return refused(principal, exchange, model, ex);
			}
			return this.kernels.create(principal.name(), request)
				.map((created) -> "redirect:/hub/kernels?notice=" + encode("Kernel " + request.name() + " created."))
				.onErrorResume(KernelService.KernelRefused.class, (ex) -> refused(principal, exchange, model, ex));
		});
	}

	@PostMapping("/hub/kernels/{kernel}/check")
	Mono<String> check(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String kernel, ServerWebExchange exchange,
			Model model) {
		// @formatter:off
		return this.kernels.check(principal.name(), kernel)
			.doOnNext((result) -> model.addAttribute("checked", Map.of("name", kernel, "ok", result.path("ok").asBoolean(),
					"problems", problems(result))))
			.then(render(principal, model))
			.onErrorResume(KernelService.KernelRefused.class, (ex) -> refused(principal, exchange, model, ex));
		// @formatter:on
	}

	@PostMapping("/hub/kernels/{kernel}/remove")
	Mono<String> remove(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String kernel, ServerWebExchange exchange,
			Model model) {
		return this.kernels.remove(principal.name(), kernel)
			.thenReturn("redirect:/hub/kernels?notice=" + encode("Kernel " + kernel + " removed."))
			.onErrorResume(KernelService.KernelRefused.class, (ex) -> refused(principal, exchange, model, ex));
	}

	private Mono<String> refused(PorticoPrincipal principal, ServerWebExchange exchange, Model model, KernelService.KernelRefused ex) {
		exchange.getResponse().setStatusCode(ex.status());
		model.addAttribute("error", ex.getMessage());
		return render(principal, model);
	}

	private Mono<String> render(PorticoPrincipal principal, Model model) {
		model.addAttribute("user", principal.name());
		// @formatter:off
		return Mono.zip(
				this.kernels.list(principal.name()).map(KernelPageController::kernels).onErrorReturn(List.of()),
				this.kernels.discover(principal.name()).map(KernelPageController::environments).onErrorReturn(List.of()),
				this.kernels.modules())
			.map((all) -> {
				model.addAttribute("kernels", all.getT1());
				model.addAttribute("environments", all.getT2());
				model.addAttribute("modules", all.getT3());
				return "kernels";
			});
		// @formatter:on
	}

	private static KernelService.Request request(MultiValueMap<String, String> form) {
		String name = first(form, "name");
		String environment = first(form, "environment");
		int bar = environment.indexOf('|');
		if (name.isEmpty() || bar <= 0) {
			throw new KernelService.KernelRefused(HttpStatus.BAD_REQUEST, "Give the kernel a name and pick an environment.", null);
		}
		List<String> modules = new ArrayList<>();
		for (String module : form.getOrDefault("module", List.of())) {
			if (!module.isBlank()) {
				modules.add(module.trim());
			}
		}
		for (String extra : first(form, "extra_modules").split("\\s+")) {
			if (!extra.isBlank()) {
				modules.add(extra);
			}
		}
		String display = first(form, "display_name");
		return new KernelService.Request(name, display.isEmpty() ? null : display, modules, environment.substring(0, bar),
				environment.substring(bar + 1), "on".equals(first(form, "replace")));
	}

	private static List<Map<String, Object>> kernels(JsonNode list) {
		List<Map<String, Object>> out = new ArrayList<>();
		for (JsonNode kernel : list.path("kernels")) {
			JsonNode portico = kernel.path("portico");
			List<String> modules = new ArrayList<>();
			portico.path("modules").path("resolved").forEach((m) -> modules.add(m.asText()));
			JsonNode env = portico.path("environment");
			out.add(Map.of("name", kernel.path("name").asText(), "display", kernel.path("spec").path("display_name").asText(),
					"portico", !portico.isMissingNode() && !portico.isNull(), "modules", String.join(", ", modules), "environment",
					env.path("kind").asText("") + " " + env.path("path").asText(env.path("version").asText(env.path("name").asText(""))),
					"python", portico.path("python_version").asText("")));
		}
		return out;
	}

	private static List<Map<String, Object>> environments(JsonNode discovered) {
		List<Map<String, Object>> out = new ArrayList<>();
		for (JsonNode python : discovered.path("pythons")) {
			JsonNode args = python.path("create_arguments");
			if (args.size() < 2 || !python.path("problem").isNull() && !python.path("problem").isMissingNode()) {
				continue;
			}
			String option = args.get(0).asText().replaceFirst("^--", "");
			String location = args.get(1).asText();
			out.add(Map.of("value", option + "|" + location, "label",
					option + " " + location + " (Python " + python.path("version").asText("?") + ")"));
		}
		return out;
	}

	private static List<Map<String, String>> problems(JsonNode check) {
		List<Map<String, String>> out = new ArrayList<>();
		for (JsonNode problem : check.path("problems")) {
			out.add(Map.of("severity", problem.path("severity").asText(), "message", problem.path("message").asText(), "fix",
					problem.path("fix").asText("")));
		}
		return out;
	}

	private static String first(MultiValueMap<String, String> form, String key) {
		String value = form.getFirst(key);
		return (value != null) ? value.trim() : "";
	}

	private static String encode(String text) {
		return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
	}
}
