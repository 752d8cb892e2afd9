package org.portico.gateway.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyRequestTests {

	@ParameterizedTest
	@ValueSource(strings = { "/user/bob/../alice/api", "/user/bob/%2e%2e/alice/api", "/user/bob/%2E%2E/alice/", "/user/bob/.%2e/alice/",
			"/user/bob%2F..%2Falice/api", "/user/bob/./x", "/user//alice/api", "//user/alice/", "/user/alice%5c..%5cbob/",
			"/user/alice\\..\\bob/", "/user/alice/%00", "/user/alice/%zz", "/user/alice/%", "/user/alice/%c3%28", "http://evil/user/alice/",
			"", "user/alice/", "/user/alice/x#frag", "/user/alice/a/..", "/user/alice/a/%2e" })
	void refusesAmbiguousSpellings(String uri) {
		assertThat(ProxyRequest.parse(uri)).as(uri).isNull();
	}

	@Test
	void decodesForRoutingAndForwardsTheRawTarget() {
		ProxyRequest request = ProxyRequest.parse("/user/%61lice/files/a%20b.txt?x=1&token=abc&y=2");
		assertThat(request).isNotNull();
		assertThat(request.path()).isEqualTo("/user/alice/files/a b.txt");
		assertThat(request.rawPath()).isEqualTo("/user/%61lice/files/a%20b.txt");
		assertThat(request.queryToken()).isEqualTo("abc");
		assertThat(request.upstreamUri(true)).isEqualTo("/user/%61lice/files/a%20b.txt?x=1&y=2");
		assertThat(request.upstreamUri(false)).as("not the gateway's credential: passed on").isEqualTo("/user/%61lice/files/a%20b.txt?x=1&token=abc&y=2");
	}

	@Test
	void emptySegmentsAfterTheUserPrefixAreTheServersBusiness() {
		assertThat(ProxyRequest.parse("/user/alice/api//x")).isNotNull();
		assertThat(ProxyRequest.parse("/user/alice/")).isNotNull();
	}

	@Test
	void aQueryWithOnlyTheTokenIsDropped() {
		ProxyRequest request = ProxyRequest.parse("/user/alice/api/kernels/k/channels?token=abc");
		assertThat(request.upstreamUri(true)).isEqualTo("/user/alice/api/kernels/k/channels");
		assertThat(ProxyRequest.withoutTokenParameter("session_id=1&token=x")).isEqualTo("session_id=1");
		assertThat(ProxyRequest.withoutTokenParameter("tokens=1")).isEqualTo("tokens=1");
	}

	@Test
	void ownerIsTheSegmentAfterUser() {
		assertThat(UserPathProxy.ownerOf("/user/alice/api")).isEqualTo("alice");
		assertThat(UserPathProxy.ownerOf("/user/alice")).isEqualTo("alice");
		assertThat(UserPathProxy.ownerOf("/hub/home")).isNull();
	}

	@Test
	void aStrippedPrefixIsCutOnTheRawPathAndKeepsTheRest() {
		assertThat(ProxyRequest.parse("/user/alice/code/static/x.js?v=1&token=t").upstreamUri(true, 3)).isEqualTo("/static/x.js?v=1");
		assertThat(ProxyRequest.parse("/user/alice/code/").upstreamUri(false, 3)).isEqualTo("/");
		assertThat(ProxyRequest.parse("/user/alice/code").upstreamUri(false, 3)).isEqualTo("/");
		// an escape inside the prefix does not move the cut, and escapes after it are passed on as received
		assertThat(ProxyRequest.parse("/user/%61lice/a%20b/c%2Fd").upstreamUri(false, 2)).isEqualTo("/a%20b/c%2Fd");
		assertThat(ProxyRequest.parse("/user/alice/x").upstreamUri(false, 0)).isEqualTo("/user/alice/x");
	}
}
