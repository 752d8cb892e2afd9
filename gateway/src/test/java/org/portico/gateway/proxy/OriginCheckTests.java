package org.portico.gateway.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OriginCheckTests {

	@Test
	void sameOriginPasses() {
		assertThat(OriginCheck.allows("http://gw.test:8000", null, "http", "gw.test:8000", true)).isTrue();
		assertThat(OriginCheck.allows("https://gw.test", "same-origin", "https", "gw.test:443", true)).isTrue();
		assertThat(OriginCheck.allows("HTTP://GW.TEST:8000", null, "http", "gw.test:8000", false)).isTrue();
	}

	@Test
	void foreignOriginsAreRefusedForReadsAndChangesAlike() {
		for (boolean changing : new boolean[] { true, false }) {
			assertThat(OriginCheck.allows("http://evil.test", null, "http", "gw.test:8000", changing)).isFalse();
			assertThat(OriginCheck.allows("http://gw.test:8001", null, "http", "gw.test:8000", changing)).isFalse();
			assertThat(OriginCheck.allows("https://gw.test:8000", null, "http", "gw.test:8000", changing)).isFalse();
			assertThat(OriginCheck.allows("null", null, "http", "gw.test:8000", changing)).isFalse();
			assertThat(OriginCheck.allows("http://gw.test:8000", null, "http", null, changing)).isFalse();
		}
	}

	@Test
	void withoutOriginOnlyCrossSiteChangesAreRefused() {
		assertThat(OriginCheck.allows(null, null, "http", "gw.test", true)).as("a script").isTrue();
		assertThat(OriginCheck.allows(null, "cross-site", "http", "gw.test", true)).as("a cross-site form").isFalse();
		assertThat(OriginCheck.allows(null, "cross-site", "http", "gw.test", false)).as("a link from elsewhere").isTrue();
	}
}
