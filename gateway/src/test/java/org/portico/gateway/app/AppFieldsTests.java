package org.portico.gateway.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.spawner.batch.ShellQuoting;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.LocalCommandRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 7, "which form fields it adds": descriptor fields as bound, and the check every value passes. */
class AppFieldsTests {

	/** What a user may try to get past a field: shell syntax, newlines, quotes, unicode, length. */
	static final List<String> HOSTILE = List.of("; rm -rf ~", "$(id)", "`id`", "a\nb", "a\rb", "x\u0000y", "it's \"quoted\"",
			"{work_dir}", "{port}", "1920x1080\n", "ünïcødé ✓", "x".repeat(5000), "\u2028");

	@TempDir
	Path dir;

	private AppDefinition bind(String yaml) throws Exception {
		Path apps = Files.createDirectories(this.dir.resolve("apps-" + System.nanoTime()));
		Files.writeString(apps.resolve("demo.yaml"), yaml);
		return AppDescriptors.load(apps).get("demo");
	}

	private AppDefinition demo() throws Exception {
		return bind("""
				display-name: Demo
				command: [demo, "--size={field.size}", "{field.cores}", "{field.title}"]
				environment:
				  DEMO_TITLE: "t={field.title}"
				fields:
				  - name: size
				    label: Screen size
				    help: In pixels
				    type: select
				    options:
				      - {value: 1280x800, label: "small"}
				      - {value: 1920x1080}
				    default: 1280x800
				    required: true
				  - name: cores
				    type: number
				    min: 1
				    max: 8
				    step: 1
				    default: "2"
				  - name: title
				    type: text
				    pattern: "[A-Za-z0-9 ]{1,20}"
				    max-length: 20
				    env: DEMO_RAW_TITLE
				  - name: gpu
				    type: checkbox
				""");
	}

	@Test
	void fieldsBindFromTheDescriptorWithTheirDefaults() throws Exception {
		AppDefinition demo = demo();
		assertThat(demo.fields()).extracting(AppField::name).containsExactly("size", "cores", "title", "gpu");
		AppField size = demo.fields().get(0);
		assertThat(size.label()).isEqualTo("Screen size");
		assertThat(size.help()).isEqualTo("In pixels");
		assertThat(size.required()).isTrue();
		assertThat(size.options()).extracting(AppField.Option::label).containsExactly("small", "1920x1080");
		assertThat(demo.fields().get(1).max()).isEqualByComparingTo("8");
		assertThat(demo.fields().get(2).env()).isEqualTo("DEMO_RAW_TITLE");
		assertThat(demo.fieldValues(Map.of())).containsExactly(Map.entry("size", "1280x800"), Map.entry("cores", "2"),
				Map.entry("title", ""), Map.entry("gpu", "false"));
		assertThat(demo.fieldValues(Map.of("size", "1920x1080", "cores", "4.0", "title", "My run 1", "gpu", "true")))
			.containsExactly(Map.entry("size", "1920x1080"), Map.entry("cores", "4"), Map.entry("title", "My run 1"), Map.entry("gpu", "true"));
		// the built-in desktop offers its screen sizes, the default one first
		AppDefinition desktop = AppDescriptors.builtIn().get("desktop");
		assertThat(desktop.fieldValues(Map.of())).containsExactly(Map.entry("resolution", "1280x800"));
		assertThat(desktop.fieldValues(Map.of("resolution", "1920x1080"))).containsEntry("resolution", "1920x1080");
		assertThat(desktop.command()).endsWith("{field.resolution}");
	}

	@Test
	void everyKindOfBadValueIsRefusedWithAMessageNamingTheField() throws Exception {
		AppDefinition demo = demo();
		Map<Map<String, String>, String> bad = new java.util.LinkedHashMap<>();
		bad.put(Map.of("cmd", "rm -rf ~"), "Unknown field 'cmd'");
		bad.put(Map.of("size", "800x600"), "Field 'size': '800x600' is not one of [1280x800, 1920x1080]");
		bad.put(Map.of("size", ""), "Field 'size' (Screen size) is required");
		bad.put(Map.of("cores", "abc"), "Field 'cores': 'abc' is not a number");
		bad.put(Map.of("cores", "1e3"), "Field 'cores': '1e3' is not a number");
		bad.put(Map.of("cores", "NaN"), "Field 'cores': 'NaN' is not a number");
		bad.put(Map.of("cores", "9"), "Field 'cores': 9 is out of range (1 to 8)");
		bad.put(Map.of("cores", "0"), "Field 'cores': 0 is out of range");
		bad.put(Map.of("cores", "2.5"), "Field 'cores': 2.5 is not on a step of 1");
		bad.put(Map.of("title", "a;b"), "Field 'title': 'a;b' does not match");
		bad.put(Map.of("title", "x".repeat(21)), "Field 'title': the value is longer than 20 characters");
		bad.put(Map.of("gpu", "yes"), "Field 'gpu': a checkbox is true or false");
		for (Map.Entry<Map<String, String>, String> e : bad.entrySet()) {
			assertThatThrownBy(() -> demo.fieldValues(e.getKey())).as(e.getKey().toString())
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining(e.getValue());
		}
	}

	@Test
	void hostileValuesNeverPassAnyKindOfField() throws Exception {
		AppDefinition demo = demo();
		for (String field : List.of("size", "cores", "title", "gpu")) {
			for (String value : HOSTILE) {
				assertThatThrownBy(() -> demo.fieldValues(Map.of(field, value))).as(field + " <- " + value)
					.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Field '" + field + "'");
			}
		}
		// a select takes its options exactly as written
		for (String value : List.of("1920x1080 ", " 1920x1080", "1920X1080", "1920x1080;id")) {
			assertThatThrownBy(() -> demo.fieldValues(Map.of("size", value))).as(value).hasMessageContaining("is not one of");
		}
		// even a site's loose pattern lets no control character or {port} through, nor more than its length
		AppDefinition loose = bind("""
				display-name: Demo
				command: [demo, "{field.any}"]
				fields: [{name: any, type: text, pattern: "(?s).*", max-length: 4096}]
				""");
		for (String value : List.of("a\nb", "a\rb", "x\u0000y", "\u2028", "{port}", "x".repeat(4097))) {
			assertThatThrownBy(() -> loose.fieldValues(Map.of("any", value))).as(value).hasMessageContaining("Field 'any'");
		}
		assertThat(loose.fieldValues(Map.of("any", "; rm -rf ~ $(id) `id` it's \"q\" ünï ✓"))).containsEntry("any",
				"; rm -rf ~ $(id) `id` it's \"q\" ünï ✓");
	}

	@Test
	void aValueIsExactlyOneArgumentAndIsNeverExpandedAgain() throws Exception {
		Map<String, String> tokens = new HashMap<>(Map.of("host", "127.0.0.1", "work_dir", "/home/alice", "user", "alice"));
		String value = "a b {work_dir} {user} $(id) it's";
		tokens.put("field.title", value);
		assertThat(AppCatalog.expand("--title={field.title}", tokens)).isEqualTo("--title=" + value);
		assertThat(AppCatalog.expand("{work_dir}/{field.title}:{port}", tokens)).isEqualTo("/home/alice/" + value + ":{port}");
	}

	@Test
	void inABatchJobScriptTheArgumentStaysOneQuotedWord() {
		// a job script writes each argument as ShellQuoting makes it: bash gets the value back exactly, expanding nothing
		String value = "; rm -rf ~ $(id) `id` it's \"quoted\" ünï ✓ {work_dir}";
		String word = ShellQuoting.wordWithPort("--title=" + value);
		CommandResult result = LocalCommandRunner.defaults()
			.run(new CommandLine(List.of("bash", "-c", "printf '%s|' " + word + " \"$#\"", "bash"), Map.of(), Duration.ofSeconds(20)), null)
			.block(Duration.ofSeconds(30));
		assertThat(result.exitCode()).isZero();
		assertThat(result.stdout()).isEqualTo("--title=" + value + "|0|");
	}

	@Test
	void aBrokenFieldStopsTheStartWithAMessageNamingIt() throws Exception {
		Map<String, String> broken = new java.util.LinkedHashMap<>();
		broken.put("name: Bad Name\n    type: checkbox", "a field's name is");
		broken.put("name: app\n    type: checkbox", "reserved");
		broken.put("name: x\n    type: colour", "the type is select, number, text or checkbox");
		broken.put("name: x\n    type: text", "a text field needs a pattern");
		broken.put("name: x\n    type: text\n    pattern: \"[a-\"", "the pattern is no regular expression");
		broken.put("name: x\n    type: select", "a select needs options");
		broken.put("name: x\n    type: select\n    options: [{value: a}]\n    default: b", "its default does not pass its own check");
		broken.put("name: x\n    type: number\n    min: 5\n    max: 1", "min is more than max");
		broken.put("name: x\n    type: number\n    step: 0", "step must be more than 0");
		broken.put("name: x\n    type: checkbox\n    env: PATH", "env 'PATH' is no name a field may set");
		broken.put("name: x\n    type: checkbox\n    env: LD_PRELOAD", "env 'LD_PRELOAD'");
		broken.put("name: x\n    type: checkbox\n    env: PORTICO_SERVER_SECRET", "env 'PORTICO_SERVER_SECRET'");
		broken.put("name: y\n    type: checkbox", "'{field.x}' names no field of this app");
		for (Map.Entry<String, String> e : broken.entrySet()) {
			String yaml = "display-name: Demo\ncommand: [demo, \"{field.x}\"]\nfields:\n  - " + e.getKey() + "\n";
			assertThatThrownBy(() -> bind(yaml)).as(e.getKey()).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("demo.yaml").hasMessageContaining(e.getValue());
		}
		assertThatThrownBy(() -> bind("""
				display-name: Demo
				command: [demo]
				fields: [{name: a, type: checkbox}, {name: a, type: checkbox}]
				""")).hasMessageContaining("the field 'a' is declared twice");
	}
}
