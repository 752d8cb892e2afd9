package org.portico.gateway.proxy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.config.PorticoProperties;
import org.portico.gateway.cull.CullPolicies;
import org.portico.gateway.lifecycle.ActivityTracker;
import org.portico.gateway.lifecycle.ServerManager;
import org.portico.gateway.route.Route;
import org.portico.gateway.route.RouteTable;
import org.portico.gateway.security.Authenticator;
import org.portico.gateway.security.Names;
import org.portico.gateway.security.PorticoPrincipal;
import org.portico.gateway.store.ServerPhase;
import org.portico.gateway.store.ServerRecord;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The {@code /user/NAME/...} data path, on Reactor Netty's own request and response: parse and
 * refuse ambiguous paths, authenticate, check that the route's owner is the caller, check the
 * Origin of state-changing requests, then stream HTTP or bridge a WebSocket to the server.
 */
@Component
public final class UserPathProxy {

	/** The prefix of every user's path. */
	public static final String PREFIX = "/user/";

	private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

	private final Authenticator authenticator;

	private final RouteTable routes;

	private final ServerManager servers;

	private final ActivityTracker activity;

	private final ForwardedHeaders headers;

	private final HttpProxyHandler http;

	private final WsProxyHandler webSocket;

	private final boolean adminAccess;

	private final WalltimeBanner banner;

	private final CullPolicies policies;

	public UserPathProxy(Authenticator authenticator, RouteTable routes, ServerManager servers, ActivityTracker activity,
			HttpClient upstreamClient, @org.springframework.beans.factory.annotation.Qualifier("webSocketUpstreamClient") HttpClient webSocketClient,
			PorticoProperties properties, CullPolicies policies) {
		this.banner = new WalltimeBanner();
		this.policies = policies;
		this.authenticator = authenticator;
		this.routes = routes;
		this.servers = servers;
		this.activity = activity;
		this.headers = new ForwardedHeaders(properties);
		this.http = new HttpProxyHandler(upstreamClient, this.headers);
		this.webSocket = new WsProxyHandler(webSocketClient, this.headers, 64 * 1024 * 1024);
		this.adminAccess = properties.security().adminAccessServers();
	}

	/**
	 * Whether a raw request target is the proxy's: {@code /user/...}, or any path a passthrough
	 * route covers (cheap: called for every request).
	 */
	public boolean handles(String uri) {
		if (uri.startsWith(PREFIX) || uri.equals("/user")) {
			return true;
		}
		if (!this.routes.hasPassthrough()) {
			return false;
		}
		ProxyRequest target = ProxyRequest.parse(uri);
		return target != null && this.routes.match(target.path()).map(Route::passthrough).orElse(false);
	}

	/** Handles one request under {@code /user/}. */
	public Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		ProxyRequest target = ProxyRequest.parse(request.uri());
		if (target == null) {
			return ProxyResponses.error(request, response, HttpResponseStatus.BAD_REQUEST,
					"This address is malformed: it has dot segments, empty segments, backslashes, control characters or bad escapes.");
		}
		Optional<Route> match = this.routes.match(target.path());
		if (match.isPresent() && match.get().passthrough()) {
			return passthrough(request, response, target, match.get());
		}
		String owner = ownerOf(target.path());
		if (owner == null || !Names.isValidUser(owner)) {
			return ProxyResponses.error(request, response, HttpResponseStatus.NOT_FOUND, "There is no such user path.");
		}
		if (target.path().length() == PREFIX.length() + owner.length()) {
			// "/user/alice" -> "/user/alice/": the servers' relative links need the slash.
			String query = target.rawQuery();
			return ProxyResponses.redirect(response, target.rawPath() + "/" + ((query != null) ? "?" + query : ""));
		}
		// @formatter:off
		return authenticate(request, target)
			.map((caller) -> proxy(request, response, target, owner, caller, match))
			.switchIfEmpty(Mono.fromSupplier(() -> unauthenticated(request, response, target)))
			.flatMap((result) -> result);
		// @formatter:on
	}

	/** Who is calling, and whether the {@code token} query parameter was the credential that said so. */
	private record Caller(PorticoPrincipal principal, boolean byQueryToken) {
	}

	/**
	 * An {@code Authorization} header is the only credential tried when present. Otherwise a
	 * {@code ?token=} that is Portico's authenticates (and is not passed on); one that is not (the
	 * server's own, in a link) falls back to the login cookie and is passed on untouched.
	 */
	private Mono<Caller> authenticate(HttpServerRequest request, ProxyRequest target) {
		String header = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
		if (Authenticator.tokenFromHeader(header) != null) {
			return this.authenticator.authenticate(header, null, null).map((p) -> new Caller(p, false));
		}
		String cookie = ForwardedHeaders.cookie(request.requestHeaders().getAll(HttpHeaderNames.COOKIE), Authenticator.SESSION_COOKIE);
		Mono<Caller> byCookie = (cookie != null)
				? this.authenticator.fromSession(cookie).map((p) -> new Caller(p, false)) : Mono.empty();
		String queryToken = target.queryToken();
		if (queryToken != null && !queryToken.isEmpty()) {
			return this.authenticator.fromToken(queryToken).map((p) -> new Caller(p, true)).switchIfEmpty(byCookie);
		}
		return byCookie;
	}

	/** A route whose server does its own auth: streamed as it is, credentials and all, like CHP does. */
	private Mono<Void> passthrough(HttpServerRequest request, HttpServerResponse response, ProxyRequest target, Route route) {
		ForwardedHeaders.ClientView view = this.headers.clientView(request.requestHeaders(), request.scheme(), request.remoteAddress());
		if (WsProxyHandler.isUpgrade(request)) {
			return this.webSocket.proxy(request, response, route, target, false, view, onMessage(route, target));
		}
		this.activity.record(route, ActivityClassifier.isHuman(request.method(), request.requestHeaders()));
		return this.http.proxy(request, response, route, target, false, view);
	}

	private Mono<Void> proxy(HttpServerRequest request, HttpServerResponse response, ProxyRequest target, String owner,
			Caller caller, Optional<Route> match) {
		PorticoPrincipal principal = caller.principal();
		boolean mayUse = principal.name().equals(owner) || (this.adminAccess && principal.admin());
		if (!mayUse) {
			return ProxyResponses.error(request, response, HttpResponseStatus.FORBIDDEN,
					"This server belongs to another user; you can reach only your own.");
		}
		boolean upgrade = WsProxyHandler.isUpgrade(request);
		if (!upgrade && isBareServerPath(target.path(), owner)) {
			// a named server's bare prefix ("/user/alice/code" -> ".../code/"): servers behind it link relatively.
			// Only paths of exactly /user/NAME/X pay for this second lookup and its string.
			String slashed = target.path() + "/";
			if (this.routes.match(slashed).filter((r) -> r.spec().equals(slashed) && r.owner().equals(owner)).isPresent()) {
				String query = target.rawQuery();
				return ProxyResponses.redirect(response, target.rawPath() + "/" + ((query != null) ? "?" + query : ""));
			}
		}
		ForwardedHeaders.ClientView view = this.headers.clientView(request.requestHeaders(), request.scheme(),
				request.remoteAddress());
		boolean changing = upgrade || !SAFE.contains(request.method());
		if (!OriginCheck.allows(request.requestHeaders().get(HttpHeaderNames.ORIGIN), request.requestHeaders().get("sec-fetch-site"),
				view.scheme(), view.host(), changing)) {
			return ProxyResponses.error(request, response, HttpResponseStatus.FORBIDDEN,
					"Cross-site request refused: the Origin does not match this site.");
		}
		if (match.isEmpty() || !match.get().owner().equals(owner)) {
			return notRunning(request, response, target, owner, namedServerOf(target.path(), owner));
		}
		Route route = match.get();
		if (route.server().isEmpty() && !upgrade && request.method() == HttpMethod.GET && ProxyResponses.wantsHtml(request)) {
			// A page of a named server that is not running would otherwise reach the default server (its
			// prefix covers the named one's); only page loads pay for this check, never API calls or frames.
			String named = namedServerOf(target.path(), owner);
			if (!named.isEmpty()) {
				return notRunning(request, response, target, owner, named);
			}
		}
		if (!upgrade && target.path().endsWith(WalltimeBanner.PATH) && target.path().equals(route.spec() + WalltimeBanner.PATH)) {
			ServerRecord live = this.servers.liveRecord(owner, route.server());
			return this.banner.serve(response, this.policies.of((live != null) ? live.profile() : null).warnBefore());
		}
		if (route.staticFiles() != null && StaticFileHandler.applies(request) && target.path().startsWith(route.spec())) {
			// the app's static files from the gateway's own disk, past the same checks as everything proxied;
			// target.path() is strictly parsed (no dot segments) and resolve() keeps it inside the folder
			java.nio.file.Path file = route.staticFiles().resolve(target.path().substring(route.spec().length()));
			if (file != null) {
				this.activity.record(route, ActivityClassifier.isHuman(request.method(), request.requestHeaders()));
				return StaticFileHandler.serve(request, response, file);
			}
		}
		if (upgrade) {
			// (re)connecting a WebSocket is no person's action; what is sent over it may be
			this.activity.record(route, false);
			return this.webSocket.proxy(request, response, route, target, caller.byQueryToken(), view, onMessage(route, target));
		}
		this.activity.record(route, ActivityClassifier.isHuman(request.method(), request.requestHeaders()));
		return this.http.proxy(request, response, route, target, caller.byQueryToken(), view);
	}

	private Mono<Void> notRunning(HttpServerRequest request, HttpServerResponse response, ProxyRequest target, String owner,
			String server) {
		ServerPhase phase = this.servers.phaseOf(owner, server);
		boolean html = request.method() == HttpMethod.GET && ProxyResponses.wantsHtml(request);
		String named = server.isEmpty() ? "" : "/" + server;
		if (phase == ServerPhase.PENDING) {
			return html ? ProxyResponses.redirect(response, "/hub/spawn-pending/" + owner + named + "?next=" + encode(target.rawPathAndQuery()))
					: ProxyResponses.error(request, response, HttpResponseStatus.SERVICE_UNAVAILABLE, "Your server is starting.");
		}
		String api = server.isEmpty() ? "/server" : "/servers/" + server;
		return html ? ProxyResponses.redirect(response, "/hub/spawn?" + (server.isEmpty() ? "" : "server=" + server + "&") + "next="
				+ encode(target.rawPathAndQuery()))
				: ProxyResponses.error(request, response, HttpResponseStatus.SERVICE_UNAVAILABLE,
						"Your server is not running. Start it from the home page or with POST /hub/api/users/" + owner + api + ".");
	}

	/**
	 * The named server whose prefix {@code path} is under, when the gateway knows a server of that name
	 * ({@code /user/alice/desktop/x} names {@code desktop} once alice has started one); else {@code ""},
	 * the default server.
	 */
	private String namedServerOf(String path, String owner) {
		int start = PREFIX.length() + owner.length() + 1;
		int end = path.indexOf('/', start);
		if (end < 0) {
			return "";
		}
		String name = path.substring(start, end);
		return (!name.isEmpty() && Names.isValidServer(name) && this.servers.phaseOf(owner, name) != null) ? name : "";
	}

	private Mono<Void> unauthenticated(HttpServerRequest request, HttpServerResponse response, ProxyRequest target) {
		if (request.method() == HttpMethod.GET && ProxyResponses.wantsHtml(request) && !WsProxyHandler.isUpgrade(request)) {
			return ProxyResponses.redirect(response, "/hub/login?next=" + encode(target.rawPathAndQuery()));
		}
		return ProxyResponses.error(request, response, HttpResponseStatus.FORBIDDEN,
				"Authentication is required: log in, or send 'Authorization: token <your API token>'.");
	}

	/** Records each client WebSocket message on the route, classified by what kind of socket it is. */
	private java.util.function.Consumer<io.netty.handler.codec.http.websocketx.WebSocketFrame> onMessage(Route route, ProxyRequest target) {
		ActivityClassifier.Socket socket = ActivityClassifier.Socket.of(target.path());
		return (frame) -> this.activity.record(route, ActivityClassifier.isHuman(socket, frame));
	}

	/** Whether {@code path} is {@code /user/OWNER/X} with nothing after X: what a named server's bare prefix looks like. */
	static boolean isBareServerPath(String path, String owner) {
		int start = PREFIX.length() + owner.length() + 1;
		return path.length() > start && path.indexOf('/', start) < 0;
	}

	/** The user segment of {@code /user/NAME/...}, or {@code null}. */
	static @Nullable String ownerOf(String path) {
		if (!path.startsWith(PREFIX)) {
			return null;
		}
		int end = path.indexOf('/', PREFIX.length());
		return path.substring(PREFIX.length(), (end < 0) ? path.length() : end);
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}
}
