package org.portico.gateway.web;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.app.AppCatalog;
import org.portico.gateway.batch.ProfileCatalog;
import org.portico.gateway.lifecycle.ServerException;
import org.portico.gateway.lifecycle.ServerManager;
import org.portico.gateway.security.Accounts;
import org.portico.gateway.security.Authenticator;
import org.portico.gateway.security.Names;
import org.portico.gateway.security.PorticoPrincipal;
import org.portico.gateway.store.EventStore;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The hub's pages, at JupyterHub's addresses: {@code /hub/login}, {@code /hub/logout},
 * {@code /hub/home}, {@code /hub/spawn}, {@code /hub/spawn-pending/NAME}.
 */
@Controller
class PageController {

	private final Accounts accounts;

	private final Authenticator authenticator;

	private final ServerManager servers;

	private final AppCatalog apps;

	private final EventStore events;

	private final ProfileCatalog profiles;

	private final LoginThrottle throttle = new LoginThrottle(10, Duration.ofMinutes(5));

	private final boolean trustForwarded;

	private final int namedLimit;

	private final org.portico.gateway.cull.CullProperties cull;

	private final org.portico.gateway.cull.CullPolicies policies;

	private final org.portico.gateway.kernels.KernelService kernels;

	private final org.portico.gateway.group.GroupService groups;

	PageController(Accounts accounts, Authenticator authenticator, ServerManager servers, AppCatalog apps, EventStore events,
			org.portico.gateway.config.PorticoProperties properties, org.portico.gateway.cull.CullProperties cull, ProfileCatalog profiles,
			org.portico.gateway.kernels.KernelService kernels, org.portico.gateway.cull.CullPolicies policies,
			org.portico.gateway.group.GroupService groups) {
		this.groups = groups;
		this.cull = cull;
		this.policies = policies;
		this.kernels = kernels;
		this.profiles = profiles;
		this.trustForwarded = properties.security().trustForwardedHeaders();
		this.namedLimit = properties.spawn().namedServersLimit();
		this.accounts = accounts;
		this.authenticator = authenticator;
		this.servers = servers;
		this.apps = apps;
		this.events = events;
	}

	@GetMapping({ "/", "/hub", "/hub/" })
	String root() {
		return "redirect:/hub/home";
	}

	@GetMapping("/hub/login")
	Mono<String> loginPage(@AuthenticationPrincipal @Nullable PorticoPrincipal principal, @RequestParam(required = false) @Nullable String next,
			Model model) {
		if (principal != null && principal.isUser()) {
			return Mono.just("redirect:" + safeNext(next, "/hub/home"));
		}
		model.addAttribute("next", safeNext(next, ""));
		return Mono.just("login");
	}

	@PostMapping("/hub/login")
	Mono<String> login(ServerWebExchange exchange, Model model) {
		return exchange.getFormData().flatMap((form) -> login(exchange, form, model));
	}

	private Mono<String> login(ServerWebExchange exchange, MultiValueMap<String, String> form, Model model) {
		String name = trim(form.getFirst("username"));
		String password = (form.getFirst("password") != null) ? form.getFirst("password") : "";
		String next = safeNext(form.getFirst("next"), "/hub/home");
		model.addAttribute("next", next);
		model.addAttribute("username", Accounts.printable(name));
		if (this.throttle.blocked(name)) {
			exchange.getResponse().setStatusCode(HttpStatus.TOO_MANY_REQUESTS);
			model.addAttribute("error", "Too many failed attempts for this account. Wait a few minutes, then try again.");
			return Mono.just("login");
		}
		// @formatter:off
		return this.accounts.checkPassword(name, password)
			.flatMap((user) -> this.authenticator.login(user.name()).map((cookie) -> {
				this.throttle.succeeded(name);
				exchange.getResponse().addCookie(sessionCookie(exchange, cookie, this.authenticator.sessionMaxAge()));
				return "redirect:" + next;
			}))
			.switchIfEmpty(Mono.fromSupplier(() -> {
				this.throttle.failed(name);
				exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
				model.addAttribute("error", "Invalid user name or password.");
				return "login";
			}));
		// @formatter:on
	}

	@GetMapping("/hub/logout")
	Mono<String> logout(ServerWebExchange exchange) {
		HttpCookie cookie = exchange.getRequest().getCookies().getFirst(Authenticator.SESSION_COOKIE);
		exchange.getResponse().addCookie(sessionCookie(exchange, "", Duration.ZERO));
		Mono<Void> end = (cookie != null) ? this.authenticator.logout(cookie.getValue()) : Mono.empty();
		return end.thenReturn("redirect:/hub/login");
	}

	@GetMapping("/hub/home")
	Mono<String> home(@AuthenticationPrincipal PorticoPrincipal principal, @RequestParam(required = false) @Nullable String notice,
			Model model) {
		if (notice != null) {
			model.addAttribute("notice", notice);
		}
		idleModel(model, this.policies.global());
		if (!principal.isUser()) {
			return Mono.just("redirect:/hub/api/user");
		}
		model.addAttribute("user", principal.name());
		model.addAttribute("admin", principal.admin());
		model.addAttribute("apps", this.apps.all());
		model.addAttribute("kernels", this.kernels.names(principal.name()));
		model.addAttribute("defaultApp", this.apps.defaultApp());
		profileModel(model, Map.of());
		model.addAttribute("events", this.events.latest(principal.name(), 5)
			.map((e) -> Map.of("iso", e.time().toString(), "time", readable(e.time()), "kind", e.kind(), "message", e.message()))
			.collectList());
		model.addAttribute("namedEnabled", this.namedLimit > 0);
		model.addAttribute("namedLimit", this.namedLimit);
		model.addAttribute("serverNames", serverNames());
		// @formatter:off
		return this.servers.serversOf(principal.name()).collectList()
			.doOnNext((all) -> {
				java.util.Optional<ServerRecord> main = all.stream().filter((s) -> s.name().isEmpty()).findFirst();
				main.ifPresent((server) -> idleModel(model, this.policies.of(server)));
				model.addAttribute("server", main.map((server) -> serverModel(server, this.policies.of(server)))
					.orElse(Map.of("phase", "NEVER", "url", AppCatalog.baseUrl(principal.name(), ""))));
				model.addAttribute("named", all.stream().filter((s) -> !s.name().isEmpty())
					.map((server) -> serverModel(server, this.policies.of(server))).toList());
				// beside a running Jupyter, the form proposes the first other app (the desktop, say)
				String running = all.stream().filter((s) -> s.name().isEmpty() && s.phase().active()).map(ServerRecord::app).findFirst()
					.orElse("");
				model.addAttribute("besideApp", this.apps.all().keySet().stream().filter((name) -> !name.equals(running)).findFirst()
					.orElse(this.apps.defaultApp()));
			})
			.thenReturn("home");
		// @formatter:on
	}

	@GetMapping("/hub/spawn")
	Mono<String> spawnPage(@AuthenticationPrincipal PorticoPrincipal principal, @RequestParam(required = false) @Nullable String next,
			@RequestParam(name = "server", required = false) @Nullable String serverName, Model model) {
		String server = (serverName != null && Names.isValidServer(serverName)) ? serverName : "";
		ServerPhase phase = this.servers.phaseOf(principal.name(), server);
		if (phase == ServerPhase.RUNNING) {
			return Mono.just("redirect:" + safeNext(next, AppCatalog.baseUrl(principal.name(), server)));
		}
		if (phase == ServerPhase.PENDING) {
			return Mono.just("redirect:" + pendingPath(principal.name(), server));
		}
		model.addAttribute("server", server);
		model.addAttribute("namedEnabled", this.namedLimit > 0);
		model.addAttribute("user", principal.name());
		model.addAttribute("apps", this.apps.all());
		model.addAttribute("kernels", this.kernels.names(principal.name()));
		model.addAttribute("defaultApp", this.apps.defaultApp());
		profileModel(model, Map.of());
		model.addAttribute("next", safeNext(next, ""));
		return Mono.just("spawn");
	}

	@PostMapping("/hub/spawn")
	Mono<String> spawn(@AuthenticationPrincipal PorticoPrincipal principal, ServerWebExchange exchange, Model model) {
		return exchange.getFormData().flatMap((form) -> {
			String app = trim(form.getFirst("app"));
			String next = safeNext(form.getFirst("next"), "");
			String server = trim(form.getFirst("server"));
			if (server.isEmpty() && form.getFirst("beside") != null) {
				// beside the default server, without a name: the app's own (desktop -> /user/NAME/desktop/)
				String chosen = app.isEmpty() ? this.apps.defaultApp() : app;
				server = this.apps.find(chosen).map((definition) -> definition.serverNameFor(chosen)).orElse("");
				if (server.isEmpty()) {
					server = "-"; // refused below with the naming rule, so that the form says why
				}
			}
			String named = server;
			String pending = "redirect:" + pendingPath(principal.name(), Names.isValidServer(server) ? server : "")
					+ (next.isEmpty() ? "" : "?next=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
			Map<String, String> choices = new java.util.HashMap<>();
			Map<String, String> fields = new java.util.LinkedHashMap<>();
			String fieldPrefix = FIELD_PREFIX + (app.isEmpty() ? this.apps.defaultApp() : app) + ".";
			form.forEach((field, values) -> {
				if (field.startsWith(FIELD_PREFIX)) {
					// only the chosen app's fields; a checkbox sends a hidden "false" before its "true": the last one counts
					if (field.startsWith(fieldPrefix) && !values.isEmpty()) {
						fields.put(field.substring(fieldPrefix.length()), values.get(values.size() - 1));
					}
				}
				else if (!FORM_FIELDS.contains(field) && !values.isEmpty()) {
					choices.put(field, values.get(0));
				}
			});
			// @formatter:off
			// the user's groups: members of a class take its reserved seats first
			return this.groups.groupsOf(principal.name())
				.flatMap((groups) -> this.servers.start(principal.name(), named, app.isEmpty() ? null : app, null, choices, groups, fields))
				.thenReturn(pending)
				.onErrorResume(ServerException.class, (ex) -> {
					if (ex.kind() == ServerException.Kind.CONFLICT) {
						return Mono.just(pending);
					}
					exchange.getResponse().setStatusCode((ex.kind() == ServerException.Kind.REFUSED) ? HttpStatus.CONFLICT : HttpStatus.BAD_REQUEST);
					model.addAttribute("user", principal.name());
					model.addAttribute("apps", this.apps.all());
					model.addAttribute("defaultApp", this.apps.defaultApp());
					model.addAttribute("next", next);
					model.addAttribute("server", Names.isValidServer(named) ? named : "");
					model.addAttribute("namedEnabled", this.namedLimit > 0);
					profileModel(model, choices);
					Map<String, String> shown = new java.util.HashMap<>();
					fields.forEach((field, value) -> shown.put(fieldPrefix.substring(FIELD_PREFIX.length()) + field, value));
					model.addAttribute("fieldValues", shown);
					model.addAttribute("error", ex.getMessage());
					return Mono.just("spawn");
				});
			// @formatter:on
		});
	}

	@GetMapping({ "/hub/spawn-pending/{name}", "/hub/spawn-pending/{name}/{server}" })
	String spawnPending(@AuthenticationPrincipal PorticoPrincipal principal, @PathVariable String name,
			@PathVariable(required = false) @Nullable String server, @RequestParam(required = false) @Nullable String next, Model model) {
		if (!principal.mayManage(name)) {
			throw new org.springframework.web.server.ResponseStatusException(HttpStatus.FORBIDDEN, "You may watch only your own server.");
		}
		String named = (server != null) ? server : "";
		if (!Names.isValidServer(named)) {
			throw new org.springframework.web.server.ResponseStatusException(HttpStatus.BAD_REQUEST, Names.serverRule());
		}
		model.addAttribute("user", name);
		model.addAttribute("server", named);
		model.addAttribute("progressUrl", "/hub/api/users/" + name + (named.isEmpty() ? "/server" : "/servers/" + named) + "/progress");
		model.addAttribute("next", safeNext(next, AppCatalog.baseUrl(name, named)));
		return "spawn_pending";
	}

	/** Stops the default server, or the named one the form's {@code server} field names. */
	@PostMapping("/hub/stop")
	Mono<String> stop(@AuthenticationPrincipal PorticoPrincipal principal, ServerWebExchange exchange) {
		return formServer(exchange).flatMap((server) -> this.servers.stop(principal.name(), server, "Stopped by you"))
			.onErrorResume(ServerException.class, (ex) -> Mono.empty())
			.thenReturn("redirect:/hub/home");
	}

	/** Stops a named server if it runs and removes it from the list. */
	@PostMapping("/hub/remove")
	Mono<String> remove(@AuthenticationPrincipal PorticoPrincipal principal, ServerWebExchange exchange) {
		return formServer(exchange).flatMap((server) -> this.servers.remove(principal.name(), server, "Removed by you"))
			.thenReturn("redirect:/hub/home")
			.onErrorResume(ServerException.class, (ex) -> Mono.just("redirect:/hub/home?notice=" + encode(ex.getMessage())));
	}

	/** Portico's addition: add an hour to the server's time limit. */
	@PostMapping("/hub/extend")
	Mono<String> extend(@AuthenticationPrincipal PorticoPrincipal principal, ServerWebExchange exchange) {
		return formServer(exchange).flatMap((server) -> this.servers.extend(principal.name(), server, 1)).thenReturn("redirect:/hub/home")
			.onErrorResume(ServerException.class, (ex) -> Mono.just("redirect:/hub/home?notice=" + encode(ex.getMessage())));
	}

	/** Portico's addition: keep the server from idle culling for four hours (within its policy's max-keep). */
	@PostMapping("/hub/keep")
	Mono<String> keep(@AuthenticationPrincipal PorticoPrincipal principal, ServerWebExchange exchange) {
		return formServer(exchange).flatMap((server) -> {
			ServerRecord live = this.servers.liveRecord(principal.name(), server);
			Duration max = this.policies.of((live != null) ? live.profile() : null).maxKeep();
			Duration hours = (max.compareTo(Duration.ofHours(4)) < 0) ? max : Duration.ofHours(4);
			return this.servers.keep(principal.name(), server, java.time.Instant.now().plus(hours), (record) -> this.policies.of(record).maxKeep());
		})
			.thenReturn("redirect:/hub/home")
			.onErrorResume(ServerException.class, (ex) -> Mono.just("redirect:/hub/home?notice=" + encode(ex.getMessage())));
	}

	/** The form's {@code server} field: {@code ""} (the default server) when absent; errors when it breaks the naming rule. */
	private static Mono<String> formServer(ServerWebExchange exchange) {
		return exchange.getFormData().map((form) -> trim(form.getFirst("server"))).flatMap((server) -> Names.isValidServer(server)
				? Mono.just(server) : Mono.error(new ServerException(ServerException.Kind.INVALID, Names.serverRule())));
	}

	private static String pendingPath(String user, String server) {
		return "/hub/spawn-pending/" + user + (server.isEmpty() ? "" : "/" + server);
	}

	/** What the launch form proposes as the name of each app's server beside the default one. */
	private Map<String, String> serverNames() {
		Map<String, String> names = new java.util.LinkedHashMap<>();
		this.apps.all().forEach((name, app) -> names.put(name, app.serverNameFor(name)));
		return names;
	}

	private static String encode(String text) {
		return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
	}

	/** The server's idle timeout in words ("" when idle culling is off for it), and whether busy kernels count. */
	private void idleModel(Model model, org.portico.gateway.cull.CullPolicy policy) {
		Duration idle = this.cull.enabled() ? policy.idleTimeout() : Duration.ZERO;
		model.addAttribute("idle", idle.isZero() ? "" : (idle.toSeconds() < 120) ? idle.toSeconds() + " s" : idle.toMinutes() + " min");
		model.addAttribute("busyCounts", policy.busyCountsAsActivity());
	}

	private static Map<String, Object> serverModel(ServerRecord server, org.portico.gateway.cull.CullPolicy policy) {
		Map<String, Object> model = new java.util.HashMap<>(Map.of("name", server.name(), "phase", server.phase().name(), "url",
				AppCatalog.baseUrl(server.user(), server.name()), "app", server.app(), "message",
				(server.message() != null) ? server.message() : "", "started",
				(server.started() != null) ? server.started().toString() : "", "startedText",
				(server.started() != null) ? readable(server.started()) : ""));
		if (server.expiresAt() != null) {
			long left = Math.max(0, Duration.between(java.time.Instant.now(), server.expiresAt()).toMinutes());
			model.put("timeLeft", ((left >= 60) ? (left / 60) + " h " : "") + (left % 60) + " min");
			model.put("expiresText", readable(server.expiresAt()));
			// the same moment as the culler's warning and the banner inside Jupyter: the server's own warn-before
			if (Duration.between(java.time.Instant.now(), server.expiresAt()).compareTo(policy.warnBefore()) <= 0) {
				model.put("endsSoon", true);
			}
		}
		Map<String, Object> seat = server.phase().active() ? org.portico.gateway.placement.PlacementService.model(server.state()) : null;
		if (seat != null) {
			model.put("seat", seat.get("text"));
		}
		if (server.keepUntil() != null && server.keepUntil().isAfter(java.time.Instant.now())) {
			model.put("keptUntil", readable(server.keepUntil()));
		}
		return model;
	}

	private static final java.time.format.DateTimeFormatter READABLE = java.time.format.DateTimeFormatter
		.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(java.time.ZoneOffset.UTC);

	static String readable(java.time.Instant instant) {
		return READABLE.format(instant);
	}

	private ResponseCookie sessionCookie(ServerWebExchange exchange, String value, Duration maxAge) {
		// Secure whenever the browser came over TLS: directly, or through a trusted reverse proxy.
		String proto = this.trustForwarded ? exchange.getRequest().getHeaders().getFirst("X-Forwarded-Proto") : null;
		boolean secure = "https".equals(exchange.getRequest().getURI().getScheme()) || "https".equalsIgnoreCase(proto);
		return ResponseCookie.from(Authenticator.SESSION_COOKIE, value).httpOnly(true).secure(secure).sameSite("Lax").path("/")
			.maxAge(maxAge).build();
	}

	/**
	 * A {@code next} target that stays on this site: a path starting with one {@code /}, without
	 * backslashes or control characters; anything else becomes {@code fallback}.
	 */
	static String safeNext(@Nullable String next, String fallback) {
		if (next == null || next.isEmpty() || !next.startsWith("/") || next.startsWith("//") || next.contains("\\")) {
			return fallback;
		}
		for (int i = 0; i < next.length(); i++) {
			if (next.charAt(i) < 0x20 || next.charAt(i) == 0x7f) {
				return fallback;
			}
		}
		try {
			URI uri = URI.create(next);
			return (uri.getScheme() == null && uri.getAuthority() == null) ? next : fallback;
		}
		catch (IllegalArgumentException ex) {
			return fallback;
		}
	}

	/** Form fields the page itself sends; every other field is a profile choice, checked by the server manager. */
	private static final java.util.Set<String> FORM_FIELDS = java.util.Set.of("app", "next", "_csrf", "server", "beside");

	/** The launch form names an app's field {@code field.APP.NAME}, so that every app's fields can be on one form. */
	private static final String FIELD_PREFIX = "field.";

	/** What the spawn form's profile part shows, with the values the user sent when the form comes back. */
	private void profileModel(Model model, Map<String, String> values) {
		Map<String, org.portico.gateway.batch.ProfileProperties.Profile> all = this.profiles.all();
		model.addAttribute("profiles", all);
		java.util.Map<String, String> shown = new java.util.HashMap<>();
		values.forEach((k, v) -> {
			if (ProfileCatalog.FIELDS.contains(k) && v != null && v.length() <= 64) {
				shown.put(k, v);
			}
		});
		// without a default profile, a start may also use portico.spawn.spawner (the form's "no batch job")
		shown.putIfAbsent("profile", (this.profiles.defaultProfile() != null) ? this.profiles.defaultProfile() : "");
		model.addAttribute("profileRequired", this.profiles.defaultProfile() != null);
		model.addAttribute("values", shown);
		model.addAttribute("maxHours", all.values().stream().mapToDouble((p) -> p.maxHours()).max().orElse(0));
		model.addAttribute("queues", all.values().stream().filter((p) -> !p.queues().isEmpty())
			.flatMap((p) -> ProfileCatalog.queues(p).stream()).distinct().toList());
	}

	private static String trim(@Nullable String value) {
		return (value != null) ? value.trim() : "";
	}
}
