package org.portico.gateway.route;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.lifecycle.ActivityTracker;
import org.portico.gateway.security.Names;
import org.portico.gateway.security.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * configurable-http-proxy's REST API on its own port: {@code GET /api/routes[?inactive_since=...]},
 * {@code POST /api/routes/PATH} with {@code {"target": ...}}, {@code DELETE /api/routes/PATH}, with
 * {@code Authorization: token ...}. An existing JupyterHub can use Portico as its proxy
 * ({@code ConfigurableHTTPProxy} with {@code should_start = False}), and the benchmark registers its
 * backends through it. Changing routes never disturbs connections already proxied.
 */
@Component
public final class RouteApiServer implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(RouteApiServer.class);

	private static final String PREFIX = "/api/routes";

	private static final int MAX_BODY = 64 * 1024;

	private final RouteTable routes;

	private final ActivityTracker activity;

	private final RouteApiProperties properties;

	private final ObjectMapper json;

	/** What clients stored with each route, returned as CHP returns it. */
	private final ConcurrentHashMap<String, ObjectNode> data = new ConcurrentHashMap<>();

	private volatile @Nullable DisposableServer server;

	public RouteApiServer(RouteTable routes, ActivityTracker activity, RouteApiProperties properties, ObjectMapper json) {
		this.routes = routes;
		this.activity = activity;
		this.properties = properties;
		this.json = json;
	}

	@Override
	public void start() {
		if (!this.properties.active()) {
			log.info("route API off (set CONFIGPROXY_AUTH_TOKEN or portico.route-api.token to enable it)");
			return;
		}
		this.server = HttpServer.create().host(this.properties.host()).port(this.properties.port())
			.handle(this::handle).bindNow();
		log.info("route API listening on {}:{} mode={}", this.properties.host(), this.server.port(), this.properties.mode());
	}

	@Override
	public void stop() {
		DisposableServer current = this.server;
		if (current != null) {
			current.disposeNow();
		}
	}

	@Override
	public boolean isRunning() {
		return this.server != null && !this.server.isDisposed();
	}

	/** The bound port, for tests. */
	public int port() {
		DisposableServer current = this.server;
		return (current != null) ? current.port() : -1;
	}

	private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		String token = org.portico.gateway.security.Authenticator.tokenFromHeader(request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
		if (token == null || !Secrets.constantTimeEquals(token, this.properties.token())) {
			return send(response, HttpResponseStatus.FORBIDDEN, error("Authorization: token ... is required."));
		}
		QueryStringDecoder uri = new QueryStringDecoder(request.uri());
		String path = uri.rawPath();
		if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
			return send(response, HttpResponseStatus.NOT_FOUND, error("Not found."));
		}
		String spec = URLDecoder.decode(path.substring(PREFIX.length()), StandardCharsets.UTF_8);
		spec = spec.isEmpty() ? "/" : spec;
		String method = request.method().name();
		if (method.equals("GET") && path.equals(PREFIX)) {
			return list(response, uri.parameters().getOrDefault("inactive_since", java.util.List.of()).stream().findFirst().orElse(null));
		}
		if (method.equals("GET")) {
			String key = Route.normalise(spec);
			ObjectNode stored = this.data.get(key);
			return (stored != null) ? send(response, HttpResponseStatus.OK, stored) : send(response, HttpResponseStatus.NOT_FOUND, error("No such route."));
		}
		if (method.equals("POST")) {
			String target = spec;
			return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
				.flatMap((body) -> add(response, target, body));
		}
		if (method.equals("DELETE")) {
			String key = Route.normalise(spec);
			this.data.remove(key);
			return this.routes.remove(key).then(send(response, HttpResponseStatus.NO_CONTENT, null));
		}
		return send(response, HttpResponseStatus.METHOD_NOT_ALLOWED, error("Use GET, POST or DELETE."));
	}

	private Mono<Void> add(HttpServerResponse response, String spec, String body) {
		if (body.length() > MAX_BODY) {
			return send(response, HttpResponseStatus.BAD_REQUEST, error("The body is too large."));
		}
		JsonNode node;
		try {
			node = this.json.readTree(body.isBlank() ? "{}" : body);
		}
		catch (JsonProcessingException ex) {
			return send(response, HttpResponseStatus.BAD_REQUEST, error("The body is not valid JSON."));
		}
		if (!(node instanceof ObjectNode object) || !object.path("target").isTextual()) {
			return send(response, HttpResponseStatus.BAD_REQUEST, error("The body must be a JSON object with a \"target\" URL."));
		}
		URI target;
		try {
			target = URI.create(object.get("target").asText());
		}
		catch (IllegalArgumentException ex) {
			return send(response, HttpResponseStatus.BAD_REQUEST, error("\"target\" is not a URL."));
		}
		if (!"http".equals(target.getScheme()) || target.getHost() == null || (target.getPath() != null && !target.getPath().isEmpty() && !target.getPath().equals("/"))) {
			return send(response, HttpResponseStatus.BAD_REQUEST, error("\"target\" must be http://HOST[:PORT] (paths are passed on unchanged)."));
		}
		String key = Route.normalise(spec);
		boolean passthrough = this.properties.mode() == RouteApiProperties.Mode.PASSTHROUGH;
		String owner = owner(key, object);
		if (!passthrough && owner == null) {
			return send(response, HttpResponseStatus.BAD_REQUEST,
					error("In portico mode a route must lie under /user/NAME/ (a valid user name), as its owner."));
		}
		URI origin = URI.create("http://" + target.getRawAuthority());
		Route route = new Route(key, origin, (owner != null) ? owner : "", "", null, passthrough);
		object.put("last_activity", Instant.now().toString());
		this.data.put(key, object);
		return this.routes.put(route).then(send(response, HttpResponseStatus.CREATED, null));
	}

	private Mono<Void> list(HttpServerResponse response, @Nullable String inactiveSince) {
		Instant cutoff = null;
		if (inactiveSince != null) {
			try {
				cutoff = Instant.parse(inactiveSince);
			}
			catch (DateTimeParseException ex) {
				return send(response, HttpResponseStatus.BAD_REQUEST, error("inactive_since must be an ISO 8601 time."));
			}
		}
		Instant since = cutoff;
		return this.routes.all().collectList().flatMap((all) -> {
			Map<String, JsonNode> out = new LinkedHashMap<>();
			for (Route route : all) {
				ObjectNode entry = this.data.containsKey(route.spec()) ? this.data.get(route.spec()).deepCopy() : this.json.createObjectNode();
				entry.put("target", route.target().toString());
				Long seen = this.activity.lastSeen(route.spec());
				Instant last = (seen != null) ? Instant.ofEpochMilli(seen) : Instant.parse(entry.path("last_activity").asText(Instant.EPOCH.toString()));
				entry.put("last_activity", last.toString());
				if (since == null || last.isBefore(since)) {
					out.put(chpKey(route.spec()), entry);
				}
			}
			return send(response, HttpResponseStatus.OK, this.json.valueToTree(out));
		});
	}

	/** CHP names routes without the trailing slash ("/user/alice"), the root as "/". */
	static String chpKey(String spec) {
		return (spec.length() > 1) ? spec.substring(0, spec.length() - 1) : spec;
	}

	/** The owner of a route under {@code /user/NAME/}: the path's user, which a "user" field must agree with. */
	private static @Nullable String owner(String spec, ObjectNode data) {
		if (!spec.startsWith("/user/")) {
			return null;
		}
		int end = spec.indexOf('/', 6);
		String name = spec.substring(6, end);
		if (!Names.isValidUser(name)) {
			return null;
		}
		JsonNode user = data.get("user");
		return (user == null || user.asText().equals(name)) ? name : null;
	}

	private ObjectNode error(String message) {
		ObjectNode node = this.json.createObjectNode();
		node.put("message", message);
		return node;
	}

	private Mono<Void> send(HttpServerResponse response, HttpResponseStatus status, @Nullable JsonNode body) {
		response.status(status);
		if (body == null) {
			return response.send();
		}
		byte[] bytes;
		try {
			bytes = this.json.writeValueAsBytes(body);
		}
		catch (JsonProcessingException ex) {
			return Mono.error(ex);
		}
		return response.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
			.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
			.sendByteArray(Mono.just(bytes)).then();
	}
}
