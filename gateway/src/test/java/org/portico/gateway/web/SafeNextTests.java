package org.portico.gateway.web;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SafeNextTests {

	@ParameterizedTest
	@ValueSource(strings = { "//evil.test/", "http://evil.test/", "/\\evil.test", "javascript:alert(1)", "evil.test", "/a\nb",
			"https:/evil.test" })
	void offSiteTargetsFallBack(String next) {
		assertThat(PageController.safeNext(next, "/hub/home")).isEqualTo("/hub/home");
	}

	@Test
	void onSitePathsAreKept() {
		assertThat(PageController.safeNext("/user/alice/tree?x=1", "/hub/home")).isEqualTo("/user/alice/tree?x=1");
		assertThat(PageController.safeNext(null, "/hub/home")).isEqualTo("/hub/home");
	}
}
