package org.portico.gateway.proxy;

import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.time.Duration;
import java.util.Set;
import java.util.function.BiFunction;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
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
			PorticoProperties properties, CullPolicies policies, OpenWebSockets openWebSockets) {
		this.banner = new WalltimeBanner();
		this.policies = policies;
		this.authenticator = authenticator;
		this.routes = routes;
		this.servers = servers;
		this.activity = activity;
		this.headers = new ForwardedHeaders(properties);
		this.http = new HttpProxyHandler(upstreamClient, this.headers);
		this.webSocket = new WsProxyHandler(webSocketClient, this.headers, 64 * 1024 * 1024, openWebSockets);
		this.adminAccess = properties.security().adminAccessServers();
	}

	ForwardedHeaders headers() {
		return this.headers;
	}

	ActivityTracker activity() {
		return this.activity;
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

	/** Handles one request under {@code /user/} on Reactor Netty's request and response. */
	public Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		Incoming incoming = new Incoming(request.method(), request.uri(), request.requestHeaders(), request.scheme(),
				request.remoteAddress());
		return decide(incoming).flatMap((decision) -> {
			if (decision instanceof Decision.Forward forward) {
				this.activity.record(forward.route(), forward.human());
				return this.http.proxy(request, response, forward.route(), forward.target(), forward.stripToken(), forward.view());
			}
			if (decision instanceof Decision.Upgrade upgrade) {
				// (re)connecting a WebSocket is no person's action; what is sent over it may be
				this.activity.record(upgrade.route(), false);
				Route route = upgrade.route();
				return this.webSocket.proxy(request, response, route, upgrade.target(), upgrade.stripToken(), upgrade.view(),
						ActivityClassifier.Socket.of(upgrade.target().path()), (human) -> this.activity.record(route, human));
			}
			return ((Decision.Reply) decision).send().apply(request, response);
		});
	}

	/** The parts of a request the decision reads, whichever server code received it. */
	record Incoming(HttpMethod method, String uri, HttpHeaders headers, String scheme, @Nullable InetSocketAddress remote) {

		boolean upgrade() {
			return WsProxyHandler.isUpgrade(this.headers);
		}

		boolean wantsHtml() {
			return this.method == HttpMethod.GET && ProxyResponses.wantsHtml(this.headers);
		}
	}

	/**
	 * What the proxy does with one request, decided before a byte goes to a server: the one place
	 * where paths, credentials, owners and origins are checked, for the Reactor path and for the
	 * {@link DirectHttpProxy} alike.
	 */
	sealed interface Decision {

		/** Stream plain HTTP to the route's server; {@code human} is how the request counts as activity. */
		record Forward(Route route, ProxyRequest target, boolean stripToken, ForwardedHeaders.ClientView view, boolean human)
				implements Decision {
		}

		/** Bridge a WebSocket to the route's server. */
		record Upgrade(Route route, ProxyRequest target, boolean stripToken, ForwardedHeaders.ClientView view) implements Decision {
		}

		/** An answer of the gateway's own: an error, a redirect, the walltime banner, a static file. */
		record Reply(BiFunction<HttpServerRequest, HttpServerResponse, Mono<Void>> send) implements Decision {
		}
	}

	/** Decides what to do with one request under {@code /user/} (or a passthrough route's path). */
	Mono<Decision> decide(Incoming request) {
		ProxyRequest target = ProxyRequest.parse(request.uri());
		if (target == null) {
			return error(HttpResponseStatus.BAD_REQUEST,
					"This address is malformed: it has dot segments, empty segments, backslashes, control characters or bad escapes.");
		}
		Optional<Route> match = this.routes.match(target.path());
		if (match.isPresent() && match.get().passthrough()) {
			return Mono.just(passthrough(request, target, match.get()));
		}
		String owner = ownerOf(target.path());
		if (owner == null || !Names.isValidUser(owner)) {
			return error(HttpResponseStatus.NOT_FOUND, "There is no such user path.");
		}
		if (target.path().length() == PREFIX.length() + owner.length()) {
			// "/user/alice" -> "/user/alice/": the servers' relative links need the slash.
			String query = target.rawQuery();
			return redirect(target.rawPath() + "/" + ((query != null) ? "?" + query : ""));
		}
		// @formatter:off
		return authenticate(request, target)
			.map((caller) -> decide(request, target, owner, caller, match))
			// built only when no credential answered: not on every authenticated request
			.switchIfEmpty(Mono.fromSupplier(() -> unauthenticated(request, target)));
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
	private Mono<Caller> authenticate(Incoming request, ProxyRequest target) {
		String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
		if (Authenticator.tokenFromHeader(header) != null) {
			return this.authenticator.authenticate(header, null, null).map((p) -> new Caller(p, false));
		}
		String cookie = ForwardedHeaders.cookie(request.headers().getAll(HttpHeaderNames.COOKIE), Authenticator.SESSION_COOKIE);
		Mono<Caller> byCookie = (cookie != null)
				? this.authenticator.fromSession(cookie).map((p) -> new Caller(p, false)) : Mono.empty();
		String queryToken = target.queryToken();
		if (queryToken != null && !queryToken.isEmpty()) {
			return this.authenticator.fromToken(queryToken).map((p) -> new Caller(p, true)).switchIfEmpty(byCookie);
		}
		return byCookie;
	}

	/** A route whose server does its own auth: streamed as it is, credentials and all, like CHP does. */
	private Decision passthrough(Incoming request, ProxyRequest target, Route route) {
		ForwardedHeaders.ClientView view = this.headers.clientView(request.headers(), request.scheme(), request.remote());
		if (request.upgrade()) {
			return new Decision.Upgrade(route, target, false, view);
		}
		return new Decision.Forward(route, target, false, view, ActivityClassifier.isHuman(request.method(), request.headers()));
	}

	private Decision decide(Incoming request, ProxyRequest target, String owner, Caller caller, Optional<Route> match) {
		PorticoPrincipal principal = caller.principal();
		boolean mayUse = principal.name().equals(owner) || (this.adminAccess && principal.admin());
		if (!mayUse) {
			return reply(HttpResponseStatus.FORBIDDEN, "This server belongs to another user; you can reach only your own.");
		}
		boolean upgrade = request.upgrade();
		if (!upgrade && isBareServerPath(target.path(), owner)) {
			// a named server's bare prefix ("/user/alice/code" -> ".../code/"): servers behind it link relatively.
			// Only paths of exactly /user/NAME/X pay for this second lookup and its string.
			String slashed = target.path() + "/";
			if (this.routes.match(slashed).filter((r) -> r.spec().equals(slashed) && r.owner().equals(owner)).isPresent()) {
				String query = target.rawQuery();
				return redirectTo(target.rawPath() + "/" + ((query != null) ? "?" + query : ""));
			}
		}
		ForwardedHeaders.ClientView view = this.headers.clientView(request.headers(), request.scheme(), request.remote());
		boolean changing = upgrade || !SAFE.contains(request.method());
		if (!OriginCheck.allows(request.headers().get(HttpHeaderNames.ORIGIN), request.headers().get("sec-fetch-site"),
				view.scheme(), view.host(), changing)) {
			return reply(HttpResponseStatus.FORBIDDEN, "Cross-site request refused: the Origin does not match this site.");
		}
		if (match.isEmpty() || !match.get().owner().equals(owner)) {
			return notRunning(request, target, owner, namedServerOf(target.path(), owner));
		}
		Route route = match.get();
		if (route.server().isEmpty() && !upgrade && request.wantsHtml()) {
			// A page of a named server that is not running would otherwise reach the default server (its
			// prefix covers the named one's); only page loads pay for this check, never API calls or frames.
			String named = namedServerOf(target.path(), owner);
			if (!named.isEmpty()) {
				return notRunning(request, target, owner, named);
			}
		}
		if (!upgrade && target.path().endsWith(WalltimeBanner.PATH) && target.path().equals(route.spec() + WalltimeBanner.PATH)) {
			ServerRecord live = this.servers.liveRecord(owner, route.server());
			Duration warnBefore = this.policies.of((live != null) ? live.profile() : null).warnBefore();
			return new Decision.Reply((req, response) -> this.banner.serve(response, warnBefore));
		}
		if (route.staticFiles() != null && StaticFileHandler.applies(request.method(), request.headers())
				&& target.path().startsWith(route.spec())) {
			// the app's static files from the gateway's own disk, past the same checks as everything proxied;
			// target.path() is strictly parsed (no dot segments) and resolve() keeps it inside the folder
			java.nio.file.Path file = route.staticFiles().resolve(target.path().substring(route.spec().length()));
			if (file != null) {
				boolean human = ActivityClassifier.isHuman(request.method(), request.headers());
				return new Decision.Reply((req, response) -> {
					this.activity.record(route, human);
					return StaticFileHandler.serve(req, response, file);
				});
			}
		}
		if (upgrade) {
			return new Decision.Upgrade(route, target, caller.byQueryToken(), view);
		}
		return new Decision.Forward(route, target, caller.byQueryToken(), view,
				ActivityClassifier.isHuman(request.method(), request.headers()));
	}

	private Decision notRunning(Incoming request, ProxyRequest target, String owner, String server) {
		ServerPhase phase = this.servers.phaseOf(owner, server);
		boolean html = request.wantsHtml();
		String named = server.isEmpty() ? "" : "/" + server;
		if (phase == ServerPhase.PENDING) {
			return html ? redirectTo("/hub/spawn-pending/" + owner + named + "?next=" + encode(target.rawPathAndQuery()))
					: reply(HttpResponseStatus.SERVICE_UNAVAILABLE, "Your server is starting.");
		}
		String api = server.isEmpty() ? "/server" : "/servers/" + server;
		return html ? redirectTo("/hub/spawn?" + (server.isEmpty() ? "" : "server=" + server + "&") + "next="
				+ encode(target.rawPathAndQuery()))
				: reply(HttpResponseStatus.SERVICE_UNAVAILABLE,
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

	private Decision unauthenticated(Incoming request, ProxyRequest target) {
		if (request.wantsHtml() && !request.upgrade()) {
			return redirectTo("/hub/login?next=" + encode(target.rawPathAndQuery()));
		}
		return reply(HttpResponseStatus.FORBIDDEN,
				"Authentication is required: log in, or send 'Authorization: token <your API token>'.");
	}

	private static Decision reply(HttpResponseStatus status, String message) {
		return new Decision.Reply((request, response) -> ProxyResponses.error(request, response, status, message));
	}

	private static Decision redirectTo(String location) {
		return new Decision.Reply((request, response) -> ProxyResponses.redirect(response, location));
	}

	private static Mono<Decision> error(HttpResponseStatus status, String message) {
		return Mono.just(reply(status, message));
	}

	private static Mono<Decision> redirect(String location) {
		return Mono.just(redirectTo(location));
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
