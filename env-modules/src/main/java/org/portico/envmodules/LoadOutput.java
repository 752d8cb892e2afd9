package org.portico.envmodules;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The environment statements and in-band status read from a module command's output, before
 * anything is checked. Statements are applied in order, so a variable set and later unset ends up
 * only in {@code unset}.
 *
 * @param set variables set, in output order
 * @param unset variables removed, in output order
 * @param status the in-band status the tool printed
 * @param ignoredStatements how many statements were not about the environment (aliases, shell
 * functions, {@code cd}, text a modulefile printed on standard output)
 */
record LoadOutput(Map<String, String> set, Set<String> unset, Status status, int ignoredStatements) {

	/** The in-band status of a module command. */
	enum Status {

		/** {@code _mlstatus = True} / {@code test 0;}. */
		SUCCESS,

		/** {@code _mlstatus = False} / {@code test 0 = 1;}. */
		FAILURE,

		/** The tool printed no status line (Environment Modules prints nothing at all for a no-op). */
		ABSENT

	}

	LoadOutput {
		set = Collections.unmodifiableMap(new LinkedHashMap<>(set));
		unset = Collections.unmodifiableSet(new LinkedHashSet<>(unset));
		Objects.requireNonNull(status, "status");
	}

	/** Accumulates statements in order. */
	static final class Builder {

		private final Map<String, String> set = new LinkedHashMap<>();

		private final Set<String> unset = new LinkedHashSet<>();

		private Status status = Status.ABSENT;

		private int ignored;

		void set(String name, String value) {
			this.unset.remove(name);
			this.set.put(name, value);
		}

		void unset(String name) {
			this.set.remove(name);
			this.unset.add(name);
		}

		void status(Status status) {
			this.status = status;
		}

		void ignore() {
			this.ignored++;
		}

		LoadOutput build() {
			return new LoadOutput(this.set, this.unset, this.status, this.ignored);
		}

	}

}
