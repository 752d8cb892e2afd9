package org.portico.gateway.kernels;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;
import org.portico.envmodules.AvailableModule;
import org.portico.envmodules.ModuleSpec;
import org.portico.envmodules.ModuleSystem;
import org.portico.envmodules.ModuleSystemOptions;
import org.portico.envmodules.ToolLocation;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A user's kernels, for the page and the API alike: turns validated requests into kernel-tools
 * argument lists and its answers into statuses and messages.
 */
@Component
public final class KernelService {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KernelService.class);

	private static final Pattern KERNEL_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

	/** A refusal, with the status to answer and a message that names what was wrong. */
	public static final class KernelRefused extends RuntimeException {

		private final HttpStatus status;

		private final transient JsonNode detail;

		KernelRefused(HttpStatus status, String message, @Nullable JsonNode detail) {
			super(message);
			this.status = status;
			this.detail = detail;
		}

		public HttpStatus status() {
			return this.status;
		}

		public @Nullable JsonNode detail() {
			return this.detail;
		}
	}

	/**
	 * A kernel to create.
	 *
	 * @param name the kernel's name
	 * @param displayName what Jupyter shows, or {@code null} for kernel-tools' default
	 * @param modules modules to load, in order
	 * @param kind {@code venv}, {@code conda}, {@code pyenv} or {@code python}
	 * @param location the environment's path, conda name, pyenv version or interpreter
	 * @param replace whether to replace a kernel of the same name
	 */
	public record Request(String name, @Nullable String displayName, List<String> modules, String kind, String location,
			boolean replace) {
	}

	private final KernelTools tools;

	private final KernelsProperties properties;

	/** Kernel names per user for the launch form, which must not start a JVM on every view. */
	private final Cache<String, List<String>> names = Caffeine.newBuilder()
		.expireAfterWrite(Duration.ofSeconds(30))
		.maximumSize(10_000)
		.build();

	public KernelService(KernelTools tools, KernelsProperties properties) {
		this.tools = tools;
		this.properties = properties;
	}

	public Mono<JsonNode> list(String user) {
		return this.tools.run(user, List.of("list")).map(KernelService::answer).doOnNext((body) -> this.names.put(user, names(body)));
	}

	/** How long a page waits for a user's kernel names that are not cached. */
	static final java.time.Duration FORM_WAIT = java.time.Duration.ofSeconds(5);

	/**
	 * The names of the user's kernels, for the launch form: from the last listing when it is under 30 s old
	 * (kernels made or removed through Portico refresh it at once; ones made with the command line on a
	 * login node show up within that time).
	 * @return emits the names in order, or an empty list when kernel-tools cannot list them (logged) or not
	 * within {@link #FORM_WAIT}
	 */
	public Mono<List<String>> names(String user) {
		List<String> cached = this.names.getIfPresent(user);
		if (cached != null) {
			return Mono.just(cached);
		}
		// kernel-tools is a JVM of its own, run as the user: on a busy node a listing was seen to take longer
		// than a page may wait. The page waits at most FORM_WAIT and offers the default kernel; the listing
		// runs on to its end and fills the cache for the next page.
		// @formatter:off
		Mono<List<String>> listing = list(user).map(KernelService::names)
			.onErrorResume((ex) -> {
				log.warn("cannot list the kernels of {}: {}", user, ex.getMessage());
				return Mono.just(List.of());
			})
			.cache();
		listing.subscribe();
		return listing.timeout(FORM_WAIT, Mono.fromSupplier(() -> {
			log.info("the kernels of {} are still being listed after {}; the page offers the default kernel", user, FORM_WAIT);
			return List.of();
		}));
		// @formatter:on
	}

	private static List<String> names(JsonNode listing) {
		List<String> out = new ArrayList<>();
		for (JsonNode kernel : listing.path("kernels")) {
			String name = kernel.path("name").asText("");
			if (KERNEL_NAME.matcher(name).matches()) {
				out.add(name);
			}
		}
		return out.stream().sorted().toList();
	}

	public Mono<JsonNode> discover(String user) {
		return this.tools.run(user, List.of("discover")).map(KernelService::answer);
	}

	public Mono<JsonNode> check(String user, String kernel) {
		validName(kernel);
		return this.tools.run(user, List.of("check", kernel)).map((result) -> {
			if (result.body().has("error")) {
				return answer(result);
			}
			return result.body();
		});
	}

	public Mono<JsonNode> remove(String user, String kernel) {
		validName(kernel);
		return this.tools.run(user, List.of("remove", kernel)).map(KernelService::answer)
			.doFinally((signal) -> this.names.invalidate(user));
	}

	public Mono<JsonNode> create(String user, Request request) {
		validName(request.name());
		List<String> args = new ArrayList<>(List.of("create", "--name", request.name()));
		if (request.displayName() != null && !request.displayName().isBlank()) {
			args.addAll(List.of("--display-name", value("display name", request.displayName(), 100)));
		}
		if (request.modules().size() > 32) {
			throw new KernelRefused(HttpStatus.BAD_REQUEST, "At most 32 modules.", null);
		}
		for (String module : request.modules()) {
			try {
				args.addAll(List.of("--module", ModuleSpec.of(module).name()));
			}
			catch (IllegalArgumentException ex) {
				throw new KernelRefused(HttpStatus.BAD_REQUEST, ex.getMessage(), null);
			}
		}
		String option = switch (request.kind()) {
			case "venv" -> "--venv";
			case "conda" -> "--conda";
			case "pyenv" -> "--pyenv";
			case "python" -> "--python";
			default -> throw new KernelRefused(HttpStatus.BAD_REQUEST,
					"The environment kind must be venv, conda, pyenv or python.", null);
		};
		args.addAll(List.of(option, value("environment", request.location(), 1024)));
		if (request.replace()) {
			args.add("--replace");
		}
		return this.tools.run(user, args).map(KernelService::answer).doFinally((signal) -> this.names.invalidate(user));
	}

	/** The modules users can pick from, by name with their versions (empty when no module system is installed). */
	public Mono<List<Map<String, Object>>> modules() {
		return Mono.fromCallable(() -> {
			String path = this.properties.modulePath().isEmpty() ? System.getenv().getOrDefault("MODULEPATH", "") : this.properties.modulePath();
			if (path.isEmpty()) {
				return List.<Map<String, Object>>of();
			}
			List<Path> dirs = Arrays.stream(path.split(":")).filter((p) -> !p.isEmpty()).map(Path::of).toList();
			ModuleSystem system = ModuleSystem.detect(ToolLocation.defaults(System.getenv()), ModuleSystemOptions.of(dirs));
			List<Map<String, Object>> out = new ArrayList<>();
			for (AvailableModule module : system.catalogue().modules()) {
				for (var version : module.versions()) {
					out.add(Map.of("name", version.fullName(), "description", version.description()));
				}
			}
			return out;
		}).subscribeOn(Schedulers.boundedElastic()).onErrorResume((ex) -> {
			// No module system, or one that fails: the page offers free-text modules instead.
			log.warn("module catalogue unavailable: {}", ex.getMessage());
			return Mono.just(List.of());
		});
	}

	/** kernel-tools' answer, or the refusal it describes. */
	private static JsonNode answer(KernelTools.Result result) {
		JsonNode error = result.body().get("error");
		if (error == null) {
			return result.body();
		}
		String reason = error.path("reason").asText();
		HttpStatus status = switch (reason) {
			case "not-found" -> HttpStatus.NOT_FOUND;
			case "exists" -> HttpStatus.CONFLICT;
			case "io" -> HttpStatus.INTERNAL_SERVER_ERROR;
			default -> HttpStatus.BAD_REQUEST;
		};
		StringBuilder message = new StringBuilder(error.path("message").asText("kernel-tools refused the request"));
		if (!error.path("tool_message").asText("").isBlank()) {
			message.append(" The module system said: ").append(error.path("tool_message").asText().strip());
		}
		if (!error.path("fix").asText("").isBlank()) {
			message.append(" Fix: ").append(error.path("fix").asText());
		}
		throw new KernelRefused(status, message.toString(), error);
	}

	private static void validName(String name) {
		if (!KERNEL_NAME.matcher(name).matches()) {
			throw new KernelRefused(HttpStatus.BAD_REQUEST,
					"A kernel name has 1 to 64 characters: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit.", null);
		}
	}

	/** A free-text value for an option: bounded, printable, and never mistaken for an option itself. */
	private static String value(String what, String value, int max) {
		if (value.isEmpty() || value.length() > max || value.startsWith("-") || value.chars().anyMatch((c) -> c < 0x20 || c == 0x7f)) {
			throw new KernelRefused(HttpStatus.BAD_REQUEST,
					"The " + what + " must have 1 to " + max + " printable characters and must not start with '-'.", null);
		}
		return value;
	}
}
