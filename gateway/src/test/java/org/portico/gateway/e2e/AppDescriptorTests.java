package org.portico.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7, its descriptor part: an app added as one file in a site's apps folder appears on the launch
 * page, starts, and is served behind its prefix, which the gateway strips (Python's http.server knows
 * nothing of {@code /user/alice/}); its redirects are put back under the prefix; another user cannot
 * reach it.
 */
class AppDescriptorTests {

	@TempDir
	Path data;

	@TempDir
	Path apps;

	@Test
	void anAppAddedAsOneFileAppearsStartsAndIsServedBehindItsStrippedPrefix() throws Exception {
		Files.writeString(this.apps.resolve("files.yaml"), """
				display-name: Plain files
				description: Python's http.server on the home folder (a test app)
				icon: "F"
				prefix: strip
				auth: none
				command: [/usr/bin/python3, -m, http.server, --bind, "{host}", --directory, "{work_dir}", "{port}"]
				""");
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.apps-dir=" + this.apps)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			admin.post("/hub/api/users/bob", "{\"password\": \"bob-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");
			HubClient bob = new HubClient(portico.base()).login("bob", "bob-password");

			String launch = alice.get("/hub/spawn").body();
			assertThat(launch).contains("value=\"files\"").contains("Plain files").contains("Jupyter Notebook");

			assertThat(alice.post("/hub/api/users/alice/server", "{\"app\": \"nosuch\"}").status()).isEqualTo(400);
			HubClient.Response start = alice.post("/hub/api/users/alice/server", "{\"app\": \"files\"}");
			assertThat(start.status()).as(start.body()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");

			Path home = this.data.resolve("users/alice");
			Files.writeString(home.resolve("hello.txt"), "hello from alice's home\n");
			Files.createDirectories(home.resolve("notes"));
			Files.writeString(home.resolve("notes/a.txt"), "a note\n");

			HubClient.Response file = alice.get("/user/alice/hello.txt");
			assertThat(file.status()).as(file.body()).isEqualTo(200);
			assertThat(file.body()).isEqualTo("hello from alice's home\n");
			assertThat(alice.get("/user/alice/notes/a.txt").body()).isEqualTo("a note\n");
			// http.server redirects a folder to its root-absolute path with a slash: put back under the prefix
			HubClient.Response folder = alice.get("/user/alice/notes");
			assertThat(folder.status()).isEqualTo(301);
			assertThat(folder.headers().get("location")).containsExactly("/user/alice/notes/");
			assertThat(alice.get("/user/alice/notes/").body()).contains("a.txt");

			HubClient.Response stolen = bob.get("/user/alice/hello.txt");
			assertThat(stolen.status()).isIn(403, 404);
			assertThat(stolen.body()).doesNotContain("hello from alice");
			HubClient.Response anonymous = new HubClient(portico.base()).get("/user/alice/hello.txt");
			assertThat(anonymous.status()).isIn(302, 303, 401, 403);
			assertThat(anonymous.body()).doesNotContain("hello from alice");

			assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
			assertThat(alice.get("/user/alice/hello.txt", Map.of("Accept", "application/json")).body()).doesNotContain("hello from alice");
		}
	}
}
