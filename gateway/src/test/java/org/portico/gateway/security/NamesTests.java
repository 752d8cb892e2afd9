package org.portico.gateway.security;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class NamesTests {

	@ParameterizedTest
	@ValueSource(strings = { "alice", "bob2", "_svc", "a-b_c", "abcdefghijklmnopqrstuvwxyz012345" })
	void acceptsPortableNames(String name) {
		assertThat(Names.isValidUser(name)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "Alice", "a/b", "..", ".", "a b", "a;rm -rf ~", "$(id)", "`id`", "-rf", "1abc", "a\nb",
			"abcdefghijklmnopqrstuvwxyz0123456", "ä", "a.b", "a%2fb" })
	void refusesEverythingElse(String name) {
		assertThat(Names.isValidUser(name)).isFalse();
	}
}
