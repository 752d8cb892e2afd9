package org.portico.gateway.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each check of a class reservation's body, and the field each refusal names. */
class ReservationRulesTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

	private static final Duration MAX = Duration.ofHours(12);

	/** Pool lab: two nodes holding 3 and 1 reserved seats. */
	private static final Map<String, Map<String, Integer>> POOLS = Map.of("lab", Map.of("n1", 3, "n2", 1));

	private static JsonNode json(String text) throws Exception {
		return JSON.readTree(text);
	}

	private static String body(String seats, String start, String end) {
		return "{\"pool\": \"lab\", \"group\": \"class1\", \"seats\": " + seats + ", \"start\": \"" + start + "\", \"end\": \"" + end + "\"}";
	}

	private static void refused(String body, String field) throws Exception {
		assertThatThrownBy(() -> ReservationRules.check(ReservationRules.parse(json(body)), POOLS, NOW, MAX))
			.isInstanceOfSatisfying(ReservationRules.Invalid.class, (ex) -> {
				assertThat(ex.field()).isEqualTo(field);
				assertThat(ex.getMessage()).contains("'" + field + "'");
			});
	}

	@Test
	void aGoodBodyPassesWithItsTimesAndOffsets() throws Exception {
		ReservationRules.Draft draft = ReservationRules.parse(json(body("4", "2026-12-02T19:40:00+09:00", "2026-12-02T12:10:00Z")));
		ReservationRules.check(draft, POOLS, NOW, MAX);
		assertThat(draft.start()).isEqualTo(Instant.parse("2026-12-02T10:40:00Z"));
		assertThat(draft.seats()).isEqualTo(4);
		assertThat(draft.nodes()).isEmpty();
	}

	@Test
	void aWindowThatAlreadyBeganIsAcceptedUntilItsEnd() throws Exception {
		ReservationRules.check(ReservationRules.parse(json(body("1", "2026-12-02T09:00:00Z", "2026-12-02T10:00:01Z"))), POOLS, NOW, MAX);
		refused(body("1", "2026-12-02T09:00:00Z", "2026-12-02T10:00:00Z"), "end");
	}

	@Test
	void seatsMustBeAWholeNumberFromOneToWhatThePoolHolds() throws Exception {
		refused(body("0", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z"), "seats");
		refused(body("-2", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z"), "seats");
		refused(body("1.5", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z"), "seats");
		refused(body("\"3\"", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z"), "seats");
		refused(body("5", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z"), "seats");
		refused("{\"pool\": \"lab\", \"group\": \"class1\", \"start\": \"2026-12-02T11:00:00Z\", \"end\": \"2026-12-02T12:00:00Z\"}", "seats");
	}

	@Test
	void seatsOnChosenNodesAreBoundedByThoseNodes() throws Exception {
		String two = "{\"pool\": \"lab\", \"group\": \"class1\", \"seats\": 2, \"start\": \"2026-12-02T11:00:00Z\", "
				+ "\"end\": \"2026-12-02T12:00:00Z\", \"nodes\": [\"n2\"]}";
		refused(two, "seats");
		ReservationRules.Draft draft = ReservationRules.parse(json(two.replace("\"n2\"", "\"n1\"")));
		ReservationRules.check(draft, POOLS, NOW, MAX);
		assertThat(draft.nodes()).isEqualTo(List.of("n1"));
		refused(two.replace("\"n2\"", "\"n7\""), "nodes");
		refused(two.replace("[\"n2\"]", "\"n2\""), "nodes");
	}

	@Test
	void thePoolMustExistAndTakeReservations() throws Exception {
		refused(body("1", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z").replace("\"lab\"", "\"gpu\""), "pool");
		refused(body("1", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z").replace("\"lab\"", "7"), "pool");
	}

	@Test
	void theWindowMustEndAfterItStartsInTheFutureAndWithinTheMaximum() throws Exception {
		refused(body("1", "2026-12-02T12:00:00Z", "2026-12-02T11:00:00Z"), "end");
		refused(body("1", "2026-12-02T12:00:00Z", "2026-12-02T12:00:00Z"), "end");
		refused(body("1", "2026-12-01T08:00:00Z", "2026-12-01T09:00:00Z"), "end");
		refused(body("1", "2026-12-02T11:00:00Z", "2026-12-02T23:00:01Z"), "end");
		ReservationRules.check(ReservationRules.parse(json(body("1", "2026-12-02T11:00:00Z", "2026-12-02T23:00:00Z"))), POOLS, NOW, MAX);
	}

	@Test
	void timesMustBeIsoWithAnOffset() throws Exception {
		refused(body("1", "2026-12-02 11:00", "2026-12-02T12:00:00Z"), "start");
		refused(body("1", "2026-12-02T11:00:00", "2026-12-02T12:00:00Z"), "start");
		refused(body("1", "2026-12-02T11:00:00Z", "noon"), "end");
	}

	@Test
	void groupNamesFollowTheNamingRuleAndUnknownFieldsAreRefused() throws Exception {
		refused(body("1", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z").replace("class1", "Class 1"), "group");
		refused(body("1", "2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z").replace("\"class1\"", "null"), "group");
		assertThatThrownBy(() -> ReservationRules.parse(json("{\"pool\": \"lab\", \"room\": \"A1\"}")))
			.isInstanceOfSatisfying(ReservationRules.Invalid.class, (ex) -> assertThat(ex.field()).isEqualTo("room"));
		assertThatThrownBy(() -> ReservationRules.parse(json("[1]")))
			.isInstanceOfSatisfying(ReservationRules.Invalid.class, (ex) -> assertThat(ex.field()).isEqualTo("body"));
	}
}
