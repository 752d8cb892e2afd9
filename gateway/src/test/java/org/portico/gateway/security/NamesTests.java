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

	@ParameterizedTest
	@ValueSource(strings = { "desktop", "code", "jupyter2", "my_app", "r-studio", "0" })
	void acceptsServerNames(String name) {
		assertThat(Names.isValidServer(name)).isTrue();
		assertThat(Names.isReservedServer(name)).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "Desktop", "-x", "_x", "a.b", "a/b", "..", "a b", "$(id)", "abcdefghijklmnopqrstuvwxyz0123456", "ä" })
	void refusesOtherServerNames(String name) {
		assertThat(Names.isValidServer(name)).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "api", "tree", "notebooks", "lab", "files", "static", "nbextensions", "custom", "terminals", "edit",
			"view", "kernelspecs", "login", "logout", "websockify" })
	void reservesWhatTheDefaultServerServesAtItsRoot(String name) {
		assertThat(Names.isReservedServer(name)).isTrue();
	}
}
