package org.portico.gateway.placement;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;
import org.portico.gateway.security.Names;

/**
 * The checks of a class reservation's body, before anything is stored: each refusal names the field and
 * says what would be accepted. Pure functions of the body, the pools and the clock.
 */
public final class ReservationRules {

	static final Set<String> FIELDS = Set.of("pool", "group", "seats", "start", "end", "nodes");

	private ReservationRules() {
	}

	/** A refused field, for a 400 that names it. */
	public static final class Invalid extends IllegalArgumentException {

		private final String field;

		Invalid(String field, String message) {
			super(message);
			this.field = field;
		}

		/** The body's field that is wrong. */
		public String field() {
			return this.field;
		}
	}

	/**
	 * A reservation as asked for, each field well-formed but not yet checked against the pools.
	 * @param nodes the nodes asked for, empty for the whole pool
	 */
	public record Draft(String pool, String group, int seats, Instant start, Instant end, List<String> nodes) {

		public Draft {
			nodes = List.copyOf(nodes);
		}
	}

	/**
	 * Reads a body {@code {"pool", "group", "seats", "start", "end", "nodes"?}}.
	 * @throws Invalid naming the first wrong field
	 */
	public static Draft parse(JsonNode body) {
		if (!body.isObject()) {
			throw new Invalid("body", "The request body must be a JSON object.");
		}
		for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
			String field = names.next();
			if (!FIELDS.contains(field)) {
				throw new Invalid(field, "Unknown field '" + printable(field) + "'; allowed: " + new java.util.TreeSet<>(FIELDS) + ".");
			}
		}
		String pool = text(body, "pool");
		String group = text(body, "group");
		if (!Names.isValidGroup(group)) {
			throw new Invalid("group", "'group' is not a group name. " + Names.groupRule());
		}
		JsonNode seats = body.get("seats");
		if (seats == null || seats.isNull()) {
			throw new Invalid("seats", "'seats' is required: how many seats to hold, at least 1.");
		}
		if (!seats.isIntegralNumber() || !seats.canConvertToInt()) {
			throw new Invalid("seats", "'seats' must be a whole number of seats, at least 1.");
		}
		Instant start = time(body, "start");
		Instant end = time(body, "end");
		List<String> nodes = new ArrayList<>();
		JsonNode list = body.get("nodes");
		if (list != null && !list.isNull()) {
			if (!list.isArray()) {
				throw new Invalid("nodes", "'nodes' must be a list of node names of the pool.");
			}
			for (JsonNode node : list) {
				if (!node.isTextual() || node.textValue().isBlank()) {
					throw new Invalid("nodes", "'nodes' must be a list of node names of the pool.");
				}
				nodes.add(node.textValue());
			}
		}
		return new Draft(pool, group, seats.intValue(), start, end, nodes);
	}

	/**
	 * Checks a draft against the pools and the clock.
	 * @param emptySeats per pool, per node, how many reserved seats an empty node holds (pools that
	 * cannot take reservations are absent)
	 * @param now the current time
	 * @param maxLength the longest window
	 * @throws Invalid naming the first wrong field
	 */
	public static void check(Draft draft, Map<String, Map<String, Integer>> emptySeats, Instant now, Duration maxLength) {
		Map<String, Integer> nodes = emptySeats.get(draft.pool());
		if (nodes == null || nodes.isEmpty()) {
			throw new Invalid("pool", "'pool': no placement pool " + printable(draft.pool()) + " takes reservations"
					+ (emptySeats.isEmpty() ? "; none is configured." : "; known: " + new java.util.TreeSet<>(emptySeats.keySet()) + "."));
		}
		Set<String> asked = new LinkedHashSet<>(draft.nodes());
		for (String node : asked) {
			if (!nodes.containsKey(node)) {
				throw new Invalid("nodes", "'nodes': " + printable(node) + " is not a node of pool " + draft.pool() + ".");
			}
		}
		if (draft.seats() < 1) {
			throw new Invalid("seats", "'seats' must be at least 1, not " + draft.seats() + ".");
		}
		int capacity = 0;
		for (Map.Entry<String, Integer> node : nodes.entrySet()) {
			if (asked.isEmpty() || asked.contains(node.getKey())) {
				capacity += node.getValue();
			}
		}
		if (draft.seats() > capacity) {
			throw new Invalid("seats", "'seats': " + draft.seats() + " is more than " + (asked.isEmpty() ? "pool " + draft.pool() : "these nodes")
					+ " can hold: " + capacity + " seats.");
		}
		if (!draft.end().isAfter(draft.start())) {
			throw new Invalid("end", "'end' must be after 'start'.");
		}
		if (!draft.end().isAfter(now)) {
			throw new Invalid("end", "'end' is in the past: the window is over already.");
		}
		Duration length = Duration.between(draft.start(), draft.end());
		if (length.compareTo(maxLength) > 0) {
			throw new Invalid("end", "'end': a reservation lasts at most " + hours(maxLength) + "; this one lasts " + hours(length) + ".");
		}
	}

	private static String text(JsonNode body, String field) {
		JsonNode value = body.get(field);
		if (value == null || value.isNull() || (value.isTextual() && value.textValue().isBlank())) {
			throw new Invalid(field, "'" + field + "' is required.");
		}
		if (!value.isTextual()) {
			throw new Invalid(field, "'" + field + "' must be a string.");
		}
		return value.textValue();
	}

	private static Instant time(JsonNode body, String field) {
		String text = text(body, field);
		try {
			return OffsetDateTime.parse(text).toInstant();
		}
		catch (DateTimeException ex) {
			throw new Invalid(field, "'" + field + "' must be an ISO-8601 time with its offset, e.g. 2026-12-02T10:40:00+09:00 or "
					+ "2026-12-02T01:40:00Z; not '" + printable(text) + "'.");
		}
	}

	private static String hours(Duration duration) {
		long minutes = (duration.toSeconds() + 59) / 60;
		return (minutes % 60 == 0) ? (minutes / 60) + " h" : (minutes / 60) + " h " + (minutes % 60) + " min";
	}

	private static String printable(@Nullable String text) {
		return org.portico.gateway.security.Accounts.printable((text != null) ? text : "");
	}
}
