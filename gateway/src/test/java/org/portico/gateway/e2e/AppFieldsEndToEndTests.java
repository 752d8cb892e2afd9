package org.portico.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7, "which form fields it adds": an app in a site's folder declares fields; the launch page shows
 * them, the API and the form take values for them, each value is checked on the server (a bad one is a 400
 * naming the field, and nothing starts), and a good one reaches the app as exactly one argument and one
 * variable, which the app (a few lines of Python's http.server) echoes back through the gateway.
 */
class AppFieldsEndToEndTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	/** Everything a shell would act on, quotes, runs of spaces and non-ASCII: the app must get it verbatim. */
	private static final String VALUE = "it's \"quoted\"  ; rm -rf ~ $(id) `id` {work_dir} ünïcødé ✓ ";

	@TempDir
	Path data;

	@TempDir
	Path apps;

	@Test
	void fieldValuesReachTheAppExactlyAndBadOnesStartNothing() throws Exception {
		Files.writeString(this.apps.resolve("echo.yaml"), """
				display-name: Echo
				description: Echoes its field values (a test app)
				prefix: strip
				auth: none
				command:
				  - /usr/bin/python3
				  - -c
				  - |
				    import os, sys, http.server
				    class Echo(http.server.BaseHTTPRequestHandler):
				        def do_GET(self):
				            body = ("arg=" + sys.argv[3] + "\\nenv=" + os.environ.get("ECHO_SIZE", "-") + "\\ncount=" + sys.argv[4]
				                    + "\\nargc=" + str(len(sys.argv))).encode("utf-8")
				            self.send_response(200)
				            self.send_header("Content-Type", "text/plain; charset=utf-8")
				            self.send_header("Content-Length", str(len(body)))
				            self.end_headers()
				            self.wfile.write(body)
				    http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), Echo).serve_forever()
				  - "{host}"
				  - "{port}"
				  - "{field.message}"
				  - "--count={field.count}"
				fields:
				  - name: message
				    label: Message
				    help: Any line of text
				    type: text
				    pattern: ".{1,200}"
				    max-length: 200
				    required: true
				  - name: size
				    label: Size
				    type: select
				    options: [{value: 1280x800}, {value: 1920x1080, label: Full HD}]
				    default: 1280x800
				    env: ECHO_SIZE
				  - name: count
				    type: number
				    min: 1
				    max: 8
				    step: 1
				    default: "2"
				""");
		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.apps-dir=" + this.apps)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");

			// the launch page renders each app's fields; the desktop's screen sizes too
			String launch = alice.get("/hub/spawn").body();
			assertThat(launch).contains("<fieldset class=\"app-fields\" data-app=\"echo\"")
				.contains("name=\"field.echo.message\"").contains("maxlength=\"200\"").contains("Any line of text")
				.contains("<option value=\"1920x1080\" >Full HD</option>")
				.contains("name=\"field.echo.count\" value=\"2\" min=\"1\" max=\"8\" step=\"1\"")
				.contains("name=\"field.desktop.resolution\"").contains("<option value=\"1280x800\" selected>")
				.contains("/hub/static/app-fields.js");

			Map<String, String> bad = new LinkedHashMap<>();
			bad.put("{\"app\": \"echo\"}", "Field 'message' (Message) is required");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"hi\", \"nosuch\": \"x\"}}", "Unknown field 'nosuch'");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": [\"hi\"]}}", "Field 'fields.message' must be a string, a number, true or false");
			bad.put("{\"app\": \"echo\", \"fields\": \"message=hi\"}", "'fields' must be an object");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"hi\", \"count\": \"two\"}}", "Field 'count': 'two' is not a number");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"hi\", \"count\": 9}}", "Field 'count': 9 is out of range (1 to 8)");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"hi\", \"count\": 1.5}}", "Field 'count': 1.5 is not on a step of 1");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"a\\nrm -rf ~\"}}", "Field 'message'");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"" + "x".repeat(201) + "\"}}", "Field 'message': the value is longer than 200");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"hi\", \"size\": \"800x600\"}}", "Field 'size': '800x600' is not one of");
			bad.put("{\"app\": \"echo\", \"fields\": {\"message\": \"hi\", \"size\": true}}", "Field 'size': 'true' is not one of");
			bad.put("{\"app\": \"echo\", \"message\": \"hi\", \"fields\": {\"message\": \"hi\"}}", "Field 'message' is given twice");
			bad.put("{\"app\": \"jupyter\", \"fields\": {\"resolution\": \"1920x1080\"}}", "Unknown field 'resolution'");
			for (Map.Entry<String, String> e : bad.entrySet()) {
				HubClient.Response refused = alice.post("/hub/api/users/alice/server", e.getKey());
				assertThat(refused.status()).as(e.getKey() + ": " + refused.body()).isEqualTo(400);
				assertThat(refused.json().get("message").asText()).as(e.getKey()).contains(e.getValue());
				assertThat(portico.server("alice")).as("nothing started for " + e.getKey()).isNull();
			}
			assertThat(alice.get("/hub/api/users/alice").json().get("servers").size()).isZero();

			// Portico's shape: "fields" beside "app"
			HubClient.Response start = alice.post("/hub/api/users/alice/server", JSON.writeValueAsString(
					Map.of("app", "echo", "fields", Map.of("message", VALUE, "size", "1920x1080", "count", 3))));
			assertThat(start.status()).as(start.body()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			HubClient.Response echo = alice.get("/user/alice/");
			assertThat(echo.status()).as(echo.body()).isEqualTo(200);
			assertThat(echo.body()).isEqualTo("arg=" + VALUE + "\nenv=1920x1080\ncount=--count=3\nargc=5");

			// JupyterHub's shape: the values are the body itself (its user_options), here for a named server
			HubClient.Response named = alice.post("/hub/api/users/alice/servers/second",
					JSON.writeValueAsString(Map.of("app", "echo", "message", "second one")));
			assertThat(named.status()).as(named.body()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/servers/second/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/user/alice/second/").body()).isEqualTo("arg=second one\nenv=1280x800\ncount=--count=2\nargc=5");

			// the launch form: only the chosen app's fields count, named field.APP.NAME
			assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
			String page = alice.get("/hub/spawn").body();
			Map<String, String> form = new LinkedHashMap<>();
			form.put("_csrf", HubClient.csrf(page));
			form.put("app", "echo");
			form.put("field.echo.message", "from the form's " + VALUE);
			form.put("field.echo.size", "1920x1080");
			form.put("field.desktop.resolution", "not looked at: not the chosen app");
			HubClient.Response posted = alice.send("POST", "/hub/spawn", HubClient.form(form),
					Map.of("Content-Type", "application/x-www-form-urlencoded"));
			assertThat(posted.status()).as(posted.body()).isIn(302, 303);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/user/alice/").body()).isEqualTo("arg=from the form's " + VALUE + "\nenv=1920x1080\ncount=--count=2\nargc=5");

			// a bad value from the form comes back as the form, with the message naming the field
			assertThat(alice.delete("/hub/api/users/alice/server").status()).isIn(202, 204);
			form.put("field.echo.count", "99");
			HubClient.Response again = alice.send("POST", "/hub/spawn", HubClient.form(form),
					Map.of("Content-Type", "application/x-www-form-urlencoded"));
			assertThat(again.status()).isEqualTo(400);
			assertThat(again.body()).contains("Field &#39;count&#39;: 99 is out of range").contains("value=\"99\"");
		}
	}
}
