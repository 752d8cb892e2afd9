package org.portico.gateway.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 5 through the gateway: a user creates a kernel with a module and a virtualenv over the API,
 * Jupyter started by Portico runs it, and code in it sees the module's variables and the venv's
 * own package; hostile input is refused; the Kernels page lists it; it is removed.
 */
@Tag("jupyter")
@Tag("modules")
class KernelsTests {

	@TempDir
	Path data;

	@Test
	void aKernelWithAModuleAndAVenvRunsInTheUsersJupyter() throws Exception {
		Path shared = Path.of(System.getenv().getOrDefault("PORTICO_SHARED_DIR", "../../shared")).toAbsolutePath().normalize();
		Path fixture = shared.resolve("schedulers/modules-fixture.sh");
		assertThat(fixture).as("the shared module fixture (PORTICO_SHARED_DIR)").exists();
		// it prints "export MODULEPATH=DIR/tcl   # Lmod also: DIR/lua"
		String printed = run(List.of("bash", fixture.toString(), this.data.resolve("modules").toString()));
		java.util.regex.Matcher match = java.util.regex.Pattern.compile("MODULEPATH=(\\S+)").matcher(printed);
		assertThat(match.find()).as(printed).isTrue();
		String modulePath = match.group(1);
		String cudaHome = this.data.resolve("modules/fakeroot/cuda-12.4").toString();

		try (PorticoInstance portico = PorticoInstance.start(this.data, "--portico.kernels.module-path=" + modulePath)) {
			HubClient admin = HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN);
			admin.post("/hub/api/users/alice", "{\"password\": \"alice-password\"}");
			HubClient alice = new HubClient(portico.base()).login("alice", "alice-password");

			// a real venv in alice's home, with a package only it has
			Path venv = this.data.resolve("users/alice/venvs/ml");
			run(List.of("/usr/bin/python3", "-m", "venv", "--system-site-packages", venv.toString()));
			Path site = Files.list(venv.resolve("lib")).findFirst().orElseThrow().resolve("site-packages");
			Files.writeString(site.resolve("portico_marker.py"), "WHERE = 'venv ml'\n");

			assertThat(alice.get("/hub/api/modules").body()).contains("cuda/12.4");
			assertThat(alice.get("/hub/api/users/alice/environments").body()).contains("venvs/ml");

			for (String hostile : List.of("{\"name\": \"a;b\", \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/ml\"}}",
					"{\"name\": \"ml\", \"modules\": [\"../x\"], \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/ml\"}}",
					"{\"name\": \"ml\", \"modules\": [\"cuda/12.4; rm -rf ~\"], \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/ml\"}}",
					"{\"name\": \"ml\", \"environment\": {\"kind\": \"venv\", \"path\": \"--replace\"}}",
					"{\"name\": \"ml\", \"environment\": {\"kind\": \"shell\", \"path\": \"/bin/sh\"}}",
					"{\"name\": \"ml\", \"cmd\": \"x\", \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/ml\"}}")) {
				assertThat(alice.post("/hub/api/users/alice/kernels", hostile).status()).as(hostile).isEqualTo(400);
			}
			HubClient.Response unknown = alice.post("/hub/api/users/alice/kernels",
					"{\"name\": \"bad\", \"modules\": [\"nosuch/1.0\"], \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/ml\"}}");
			assertThat(unknown.status()).isEqualTo(400);
			assertThat(unknown.json().path("message").asText()).contains("nosuch");

			HubClient.Response created = alice.post("/hub/api/users/alice/kernels",
					"{\"name\": \"ml\", \"modules\": [\"cuda/12.4\"], \"environment\": {\"kind\": \"venv\", \"path\": \"~/venvs/ml\"}}");
			assertThat(created.status()).as(created.body()).isEqualTo(201);
			assertThat(created.json().path("spec").path("argv").toString()).contains("cuda/12.4");
			assertThat(alice.get("/hub/api/users/alice/kernels").body()).contains("\"name\":\"ml\"");
			assertThat(alice.get("/hub/api/users/alice/kernels/ml/check").json().path("ok").asBoolean()).isTrue();
			assertThat(alice.get("/hub/kernels").body()).contains("kernel-ml").contains("cuda/12.4");

			// the launch form offers the kernel, and a start may make it the notebooks' default
			assertThat(alice.get("/hub/spawn").body()).contains("<option value=\"ml\">ml</option>");
			assertThat(alice.post("/hub/api/users/alice/server", "{\"kernel\": \"a;b\"}").status()).isEqualTo(400);
			assertThat(alice.post("/hub/api/users/alice/server", "{\"kernel\": \"ml\"}").status()).isEqualTo(202);
			assertThat(alice.get("/hub/api/users/alice/server/progress").body()).contains("\"ready\":true");
			assertThat(alice.get("/user/alice/api/kernelspecs").json().path("default").asText()).isEqualTo("ml");
			HubClient.Response kernel = alice.post("/user/alice/api/kernels", "{\"name\": \"ml\"}");
			assertThat(kernel.status()).as(kernel.body()).isEqualTo(201);
			String seen = alice.execute("alice", kernel.json().get("id").asText(),
					"import os, sys, portico_marker; (os.environ.get('CUDA_HOME'), sys.prefix, portico_marker.WHERE)", Map.of());
			assertThat(seen).contains(cudaHome).contains(venv.toString()).contains("venv ml");

			assertThat(alice.delete("/hub/api/users/alice/server").status()).isEqualTo(204);
			assertThat(alice.delete("/hub/api/users/alice/kernels/ml").status()).isEqualTo(204);
			assertThat(alice.get("/hub/api/users/alice/kernels").body()).doesNotContain("\"name\":\"ml\"");
			assertThat(HubClient.withToken(portico.base(), PorticoInstance.ADMIN_TOKEN).get("/hub/api/users/alice/kernels").status())
				.as("admins may look").isEqualTo(200);
		}
	}

	static String run(List<String> command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		byte[] out = process.getInputStream().readAllBytes();
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
		String text = new String(out, StandardCharsets.UTF_8);
		assertThat(process.exitValue()).as(command + ": " + text).isZero();
		return text;
	}
}
