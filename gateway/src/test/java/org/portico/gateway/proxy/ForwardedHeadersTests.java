package org.portico.gateway.proxy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.portico.gateway.config.PorticoProperties;
import org.portico.gateway.route.Route;
import org.portico.gateway.route.UpstreamCookie;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardedHeadersTests {

	private final ForwardedHeaders headers = new ForwardedHeaders(new PorticoProperties(Path.of("data"),
			new PorticoProperties.Admin("admin", null, null),
			new PorticoProperties.Security(java.time.Duration.ofDays(1), false, false),
			new PorticoProperties.Spawn("local", java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1),
					java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), 0, 24, 3, 0)));

	private final Route route = new Route("/user/alice/", URI.create("http://127.0.0.1:9"), "alice", "", "token backend-secret");

	@Test
	void replacesCredentialsAndKeepsTheOriginalHost() {
		HttpHeaders in = new DefaultHttpHeaders();
		in.add("Host", "gw.test:8000");
		in.add("Authorization", "token users-portico-token");
		in.add("Cookie", "portico-session=abc; _xsrf=x1; portico-xsrf=def; username-x=y");
		in.add("Connection", "keep-alive, X-Hop");
		in.add("X-Hop", "drop me");
		in.add("X-Forwarded-For", "6.6.6.6");
		in.add("Accept", "application/json");
		HttpHeaders out = new DefaultHttpHeaders();
		ForwardedHeaders.ClientView view = this.headers.clientView(in, "http", new InetSocketAddress("10.1.2.3", 5555));
		this.headers.copyRequest(in, out, this.route, view, false);

		assertThat(out.get("Host")).isEqualTo("gw.test:8000");
		assertThat(out.getAll("Authorization")).containsExactly("token backend-secret");
		assertThat(out.get("Cookie")).isEqualTo("_xsrf=x1; username-x=y");
		assertThat(out.contains("X-Hop")).isFalse();
		assertThat(out.contains("Connection")).isFalse();
		assertThat(out.get("X-Forwarded-For")).isEqualTo("10.1.2.3");
		assertThat(out.get("X-Forwarded-Proto")).isEqualTo("http");
		assertThat(out.get("X-Forwarded-Host")).isEqualTo("gw.test:8000");
		assertThat(out.get("Accept")).isEqualTo("application/json");
	}

	@Test
	void headerNamesAreMatchedInAnyCaseAndConnectionTokensWhereverTheyStand() {
		HttpHeaders response = new DefaultHttpHeaders();
		response.add("Content-Type", "text/plain");
		response.add("KEEP-ALIVE", "timeout=5");
		response.add("Transfer-Encoding", "chunked");
		response.add("connection", "close ,\tX-Trace");
		response.add("x-trace", "1");
		response.add("X-Tracer", "kept: only a prefix of a listed name");
		response.add("SET-COOKIE", "portico-session=evil; Path=/");
		response.add("Set-Cookie", "theirs=1");
		HttpHeaders toClient = new DefaultHttpHeaders();
		ForwardedHeaders.copyResponse(response, toClient);
		assertThat(toClient.names()).containsExactlyInAnyOrder("Content-Type", "X-Tracer", "Set-Cookie");
		assertThat(toClient.getAll("Set-Cookie")).containsExactly("theirs=1");

		HttpHeaders request = new DefaultHttpHeaders();
		request.add("TE", "trailers");
		request.add("Sec-WebSocket-Key", "k");
		request.add("X-REAL-IP", "6.6.6.6");
		request.add("Upgrade", "websocket");
		request.add("Accept", "*/*");
		ForwardedHeaders.ClientView view = this.headers.clientView(request, "http", null);
		HttpHeaders plain = new DefaultHttpHeaders();
		this.headers.copyRequest(request, plain, this.route, view, false);
		// the route's own Authorization goes in place of the user's
		assertThat(plain.names()).containsExactlyInAnyOrder("Sec-WebSocket-Key", "Accept", "authorization", "X-Forwarded-Proto");
		HttpHeaders upgrade = new DefaultHttpHeaders();
		this.headers.copyRequest(request, upgrade, this.route, view, true);
		assertThat(upgrade.names()).containsExactlyInAnyOrder("Accept", "authorization", "X-Forwarded-Proto");
	}

	@Test
	void serversCannotOverwriteTheGatewaysCookies() {
		HttpHeaders in = new DefaultHttpHeaders();
		in.add("Set-Cookie", "portico-session=evil; Path=/");
		in.add("Set-Cookie", "_xsrf=ok; Path=/");
		in.add("Transfer-Encoding", "chunked");
		in.add("Content-Type", "text/html");
		HttpHeaders out = new DefaultHttpHeaders();
		ForwardedHeaders.copyResponse(in, out);
		assertThat(out.getAll("Set-Cookie")).containsExactly("_xsrf=ok; Path=/");
		assertThat(out.contains("Transfer-Encoding")).isFalse();
		assertThat(out.get("Content-Type")).isEqualTo("text/html");
	}

	@Test
	void aRoutesCookieIsMergedWithTheBrowsersAndReplacesOneOfItsName() {
		Route code = new Route("/user/alice/code/", URI.create("http://127.0.0.1:9"), "alice", "code", null, false, true,
				new UpstreamCookie("code-server-session-alice", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"), null);
		HttpHeaders in = new DefaultHttpHeaders();
		in.add("Host", "gw.test:8000");
		in.add("Cookie", "portico-session=abc; code-server-session-alice=forged; vscode-tkn=t1");
		in.add("Cookie", "other=2");
		HttpHeaders out = new DefaultHttpHeaders();
		this.headers.copyRequest(in, out, code, this.headers.clientView(in, "http", null), true);
		assertThat(out.getAll("Cookie")).containsExactly(
				"vscode-tkn=t1; other=2; code-server-session-alice=$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
		assertThat(out.contains("Authorization")).isFalse();

		HttpHeaders none = new DefaultHttpHeaders();
		HttpHeaders alone = new DefaultHttpHeaders();
		this.headers.copyRequest(none, alone, code, this.headers.clientView(none, "http", null), false);
		assertThat(alone.get("Cookie")).isEqualTo("code-server-session-alice=$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
		assertThat(code.toString()).doesNotContain("argon2");
	}

	@Test
	void theRoutesCookieNeverReachesTheBrowser() {
		HttpHeaders in = new DefaultHttpHeaders();
		in.add("Set-Cookie", "code-server-session-alice=$argon2id$x; Path=/; HttpOnly");
		in.add("Set-Cookie", "code-server-session-alice-x=kept; Path=/");
		HttpHeaders out = new DefaultHttpHeaders();
		ForwardedHeaders.copyResponse(in, out, "code-server-session-alice");
		assertThat(out.getAll("Set-Cookie")).containsExactly("code-server-session-alice-x=kept; Path=/");
	}

	@Test
	void findsOneCookieAmongMany() {
		assertThat(ForwardedHeaders.cookie(List.of("a=1; portico-session=xyz; b=2"), "portico-session")).isEqualTo("xyz");
		assertThat(ForwardedHeaders.cookie(List.of("portico-session-x=1"), "portico-session")).isNull();
		assertThat(ForwardedHeaders.cookie(null, "portico-session")).isNull();
	}
}
