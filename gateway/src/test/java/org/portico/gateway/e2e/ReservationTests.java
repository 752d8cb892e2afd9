package org.portico.gateway.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 4, reservations for classes, through the API on a configured pool of one virtual node with four
 * seats (the local spawner): groups, a reservation of three seats for class1, who gets a seat and who is
 * refused with the reservation named, a gateway restart that keeps both the reservation and the seats, a
 * cancel that frees the held seats, a reservation in the future that holds nothing until it starts, and
 * bodies that are refused with the field named and change nothing.
 */
class ReservationTests {

	@TempDir
	Path data;

	PorticoInstance portico;

	@AfterEach
	void close() {
		if (this.portico != null) {
			this.portico.close();
		}
	}

	static String[] args() {
		// one virtual node of 4 cores, no GPU, sessions of 1 core: 4 seats
		return new String[] { "--portico.placement.pools.lab.source=config", "--portico.placement.pools.lab.nodes[0].name=vnode1",
				"--portico.placement.pools.lab.nodes[0].cores=4", "--portico.placement.pools.lab.nodes[0].memory-mib=8192",
				"--portico.placement.pools.lab.gpu-binding=environment", "--portico.placement.pools.lab.max-hours=2",
				"--portico.placement.advance-interval=1s", "--portico.placement.lecturer-group=lecturers",
				"--portico.profiles.lab.scheduler=local", "--portico.profiles.lab.cores=1", "--portico.profiles.lab.pool=lab",
				"--portico.profiles.lab.max-hours=2", "--portico.apps.sleeper.display-name=Sleeper",
				"--portico.apps.sleeper.command[0]=/bin/sleep", "--portico.apps.sleeper.command[1]=300",
				"--portico.spawn.start-timeout=10m" };
	}

	@Test
	void aClassGetsItsReservedSeatsOthersAreToldWhyAndARestartKeepsBoth() throws Exception {
		this.portico = PorticoInstance.start(this.data, args());
		HubClient admin = HubClient.withToken(this.portico.base(), PorticoInstance.ADMIN_TOKEN);
		for (String user : List.of("alice", "bob", "carol", "dave", "erin")) {
			assertThat(admin.post("/hub/api/users/" + user, "{}").status()).isEqualTo(201);
		}

		// groups, JupyterHub's API
		HubClient.Response created = admin.post("/hub/api/groups/class1", "{\"users\": [\"alice\"]}");
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		assertThat(created.json().path("users").toString()).isEqualTo("[\"alice\"]");
		assertThat(admin.post("/hub/api/groups/class1", "{}").status()).isEqualTo(409);
		assertThat(admin.post("/hub/api/groups/Bad%20Name", "{}").status()).isEqualTo(400);
		HubClient.Response noSuchUser = admin.post("/hub/api/groups/class1/users", "{\"users\": [\"zoe\"]}");
		assertThat(noSuchUser.status()).isEqualTo(400);
		assertThat(noSuchUser.json().path("message").asText()).contains("zoe");
		assertThat(admin.post("/hub/api/groups/lecturers", "{\"users\": [\"dave\"]}").status()).isEqualTo(201);
		assertThat(admin.get("/hub/api/users/alice").json().path("groups").toString()).isEqualTo("[\"class1\"]");
		assertThat(admin.get("/hub/api/users/bob").json().path("groups").toString()).isEqualTo("[]");
		assertThat(admin.get("/hub/api/groups").json().size()).isEqualTo(2);

		// bad bodies: 400 naming the field, and nothing is stored
		Instant now = Instant.now();
		String start = now.minusSeconds(60).toString();
		String end = now.plus(Duration.ofHours(2)).toString();
		Map<String, String> bad = Map.of(
				body("lab", "class1", "0", start, end), "seats",
				body("lab", "class1", "5", start, end), "seats",
				body("lab", "class1", "\"three\"", start, end), "seats",
				body("nolab", "class1", "3", start, end), "pool",
				body("lab", "class9", "3", start, end), "group",
				body("lab", "class1", "3", end, start), "end",
				body("lab", "class1", "3", start, now.plus(Duration.ofHours(13)).toString()), "end",
				body("lab", "class1", "3", now.minus(Duration.ofHours(3)).toString(), now.minus(Duration.ofHours(2)).toString()), "end",
				body("lab", "class1", "3", "tomorrow at ten", end), "start",
				"{\"pool\": \"lab\", \"group\": \"class1\", \"seats\": 1, \"start\": \"" + start + "\", \"end\": \"" + end
						+ "\", \"nodes\": [\"vnode9\"]}", "nodes");
		for (Map.Entry<String, String> entry : bad.entrySet()) {
			HubClient.Response refused = admin.post("/hub/api/placement/reservations", entry.getKey());
			assertThat(refused.status()).as(entry.getKey() + " -> " + refused.body()).isEqualTo(400);
			assertThat(refused.json().path("message").asText()).as(entry.getKey()).contains("'" + entry.getValue() + "'");
		}
		assertThat(admin.get("/hub/api/placement/reservations").json().size()).isZero();

		// lecturers reserve for their own groups only; others not at all
		HubClient dave = HubClient.withToken(this.portico.base(), token(admin, "dave"));
		HubClient bob = HubClient.withToken(this.portico.base(), token(admin, "bob"));
		String later = body("lab", "class1", "1", now.plus(Duration.ofHours(3)).toString(), now.plus(Duration.ofHours(4)).toString());
		assertThat(bob.post("/hub/api/placement/reservations", later).status()).isEqualTo(403);
		assertThat(dave.post("/hub/api/placement/reservations", later).status()).isEqualTo(403);
		assertThat(admin.post("/hub/api/groups/class1/users", "{\"users\": [\"dave\"]}").status()).isEqualTo(200);
		HubClient.Response byLecturer = dave.post("/hub/api/placement/reservations", later);
		assertThat(byLecturer.status()).as(byLecturer.body()).isEqualTo(201);
		assertThat(byLecturer.json().path("created_by").asText()).isEqualTo("dave");
		assertThat(dave.delete("/hub/api/placement/reservations/" + byLecturer.json().path("id").asText()).status()).isEqualTo(204);
		assertThat(admin.send("DELETE", "/hub/api/groups/class1/users", "{\"users\": [\"dave\"]}", Map.of()).status()).isEqualTo(200);

		// three of the four seats for class1, from now
		HubClient.Response reserved = admin.post("/hub/api/placement/reservations", body("lab", "class1", "3", start, end));
		assertThat(reserved.status()).as(reserved.body()).isEqualTo(201);
		String id = reserved.json().path("id").asText();
		JsonNode reservation = reservation(admin, id);
		assertThat(reservation.path("active").asBoolean()).isTrue();
		assertThat(reservation.path("held").asInt()).isEqualTo(3);

		assertThat(start(admin, "bob").status()).as("bob takes the one free seat").isEqualTo(202);
		HubClient.Response carol = start(admin, "carol");
		assertThat(carol.status()).as(carol.body()).isEqualTo(409);
		assertThat(carol.json().path("message").asText()).contains("reserved for a class").contains("held for group class1");
		System.out.println("reservation: carol is told: " + carol.json().path("message").asText());
		assertThat(start(admin, "alice").status()).as("alice takes a reserved seat").isEqualTo(202);
		assertThat(seatReservation(admin, "alice")).isEqualTo(id);
		reservation = reservation(admin, id);
		assertThat(reservation.path("taken").asInt()).isEqualTo(1);
		assertThat(reservation.path("held").asInt()).isEqualTo(2);

		// a restart keeps the reservation, the seats taken and those held
		this.portico.close();
		this.portico = PorticoInstance.start(this.data, args());
		HubClient again = HubClient.withToken(this.portico.base(), PorticoInstance.ADMIN_TOKEN);
		waitUntil(() -> {
			JsonNode r = reservation(again, id);
			return r != null && r.path("taken").asInt() == 1 && r.path("held").asInt() == 2;
		}, "the reservation back with 1 seat taken and 2 held");
		assertThat(again.get("/hub/api/placement").json().path("pools").path("lab").path("sessions").asInt()).isEqualTo(2);
		assertThat(again.get("/hub/api/placement/reservations").json().size()).isEqualTo(1);
		HubClient.Response stillRefused = start(again, "carol");
		assertThat(stillRefused.status()).as(stillRefused.body()).isEqualTo(409);
		assertThat(stillRefused.json().path("message").asText()).contains("held for group class1");

		// a cancel gives the held seats to everyone
		assertThat(again.delete("/hub/api/placement/reservations/" + id).status()).isEqualTo(204);
		assertThat(again.delete("/hub/api/placement/reservations/" + id).status()).isEqualTo(404);
		assertThat(again.get("/hub/api/placement/reservations").json().size()).isZero();
		assertThat(start(again, "carol").status()).isEqualTo(202);

		// a reservation a few seconds ahead holds nothing until it starts, then the last seat
		Instant soon = Instant.now().plusSeconds(4);
		HubClient.Response ahead = again.post("/hub/api/placement/reservations",
				body("lab", "class1", "1", soon.toString(), soon.plus(Duration.ofHours(1)).toString()));
		assertThat(ahead.status()).as(ahead.body()).isEqualTo(201);
		String aheadId = ahead.json().path("id").asText();
		JsonNode pending = reservation(again, aheadId);
		assertThat(pending.path("active").asBoolean()).isFalse();
		assertThat(pending.path("held").asInt()).isZero();
		waitUntil(() -> {
			JsonNode r = reservation(again, aheadId);
			return r != null && r.path("active").asBoolean() && r.path("held").asInt() == 1;
		}, "the reservation open and holding the last seat");
		HubClient.Response erin = start(again, "erin");
		assertThat(erin.status()).as(erin.body()).isEqualTo(409);
		assertThat(erin.json().path("message").asText()).contains("held for group class1");

		for (String user : List.of("alice", "bob", "carol")) {
			assertThat(again.delete("/hub/api/users/" + user + "/server").status()).isIn(202, 204);
		}
		// deleting the group ends its reservation in the pool too
		assertThat(again.delete("/hub/api/groups/class1").status()).isEqualTo(204);
		assertThat(again.get("/hub/api/groups/class1").status()).isEqualTo(404);
		waitUntil(() -> again.get("/hub/api/placement").json().path("pools").path("lab").path("reservations").isEmpty(),
				"no reservation left in the pool");
		assertThat(again.get("/hub/api/users/alice").json().path("groups").toString()).isEqualTo("[]");
	}

	private static String body(String pool, String group, String seats, String start, String end) {
		return "{\"pool\": \"" + pool + "\", \"group\": \"" + group + "\", \"seats\": " + seats + ", \"start\": \"" + start
				+ "\", \"end\": \"" + end + "\"}";
	}

	private static String token(HubClient admin, String user) {
		return admin.post("/hub/api/users/" + user + "/tokens", "{}").json().get("token").asText();
	}

	private static HubClient.Response start(HubClient admin, String user) {
		return admin.post("/hub/api/users/" + user + "/server", "{\"profile\": \"lab\", \"app\": \"sleeper\"}");
	}

	private static JsonNode reservation(HubClient admin, String id) {
		for (JsonNode r : admin.get("/hub/api/placement").json().path("pools").path("lab").path("reservations")) {
			if (r.path("id").asText().equals(id)) {
				return r;
			}
		}
		return null;
	}

	private static String seatReservation(HubClient admin, String user) throws InterruptedException {
		List<String> seen = new ArrayList<>();
		Instant deadline = Instant.now().plusSeconds(30);
		while (Instant.now().isBefore(deadline)) {
			JsonNode seat = admin.get("/hub/api/users/" + user).json().path("servers").path("").path("placement");
			if (seat.isObject()) {
				return seat.path("reservation").asText();
			}
			seen.add(seat.toString());
			Thread.sleep(100);
		}
		throw new AssertionError("no seat shown for " + user + ": " + seen.get(seen.size() - 1));
	}

	private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
		Instant deadline = Instant.now().plusSeconds(30);
		while (Instant.now().isBefore(deadline)) {
			if (condition.getAsBoolean()) {
				return;
			}
			Thread.sleep(200);
		}
		throw new AssertionError("not within 30 s: " + what);
	}
}
