package org.portico.envmodules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads Lmod's catalogue from its {@code spider} script.
 *
 * <p>{@code spider -o jsonSoftwarePage MODULEPATH} gives one entry per package with
 * {@code defaultVersionName} and, per version, {@code full}, {@code versionName}, {@code path},
 * {@code markedDefault} and a {@code description} (only when a whatis line starts with
 * {@code Description:}). It leaves out hidden modules and the whatis lines themselves, so those
 * come from {@code spider -o spider-json MODULEPATH}: {@code {name: {path: {whatis: [...]}}}}.
 */
final class LmodSpiderOutput {

	private static final ObjectMapper JSON = new ObjectMapper();

	private LmodSpiderOutput() {
	}

	/**
	 * Builds the modules from both spider outputs.
	 * @param softwarePage standard output of {@code spider -o jsonSoftwarePage}
	 * @param spiderJson standard output of {@code spider -o spider-json}
	 * @throws MalformedOutputException if either is not the JSON described above
	 */
	static List<AvailableModule> parse(String softwarePage, String spiderJson) {
		Map<String, List<String>> whatisByPath = whatis(read(spiderJson, "spider-json"));
		JsonNode packages = read(softwarePage, "jsonSoftwarePage");
		if (!packages.isArray()) {
			throw new MalformedOutputException("Lmod's jsonSoftwarePage is not a JSON array");
		}
		List<AvailableModule> modules = new ArrayList<>();
		for (JsonNode pkg : packages) {
			String name = text(pkg, "package");
			String defaultVersion = pkg.path("defaultVersionName").asText("");
			List<ModuleVersion> versions = new ArrayList<>();
			for (JsonNode version : pkg.path("versions")) {
				String path = text(version, "path");
				String versionName = version.path("versionName").asText("");
				List<String> whatis = whatisByPath.getOrDefault(path, List.of());
				String description = version.path("description").asText("");
				if (description.isEmpty()) {
					description = ModuleVersion.describe(whatis);
				}
				boolean isDefault = defaultVersion.isEmpty() ? version.path("markedDefault").asBoolean(false)
						: defaultVersion.equals(versionName);
				versions.add(new ModuleVersion(text(version, "full"), versionName.isEmpty() ? null : versionName, path,
						description, whatis, isDefault));
			}
			modules.add(AvailableModule.of(name, versions));
		}
		return modules;
	}

	private static Map<String, List<String>> whatis(JsonNode db) {
		Map<String, List<String>> byPath = new HashMap<>();
		for (Iterator<JsonNode> modules = db.elements(); modules.hasNext();) {
			for (Iterator<Map.Entry<String, JsonNode>> files = modules.next().fields(); files.hasNext();) {
				Map.Entry<String, JsonNode> file = files.next();
				List<String> lines = new ArrayList<>();
				file.getValue().path("whatis").forEach((line) -> lines.add(line.asText()));
				byPath.put(file.getKey(), List.copyOf(lines));
			}
		}
		return byPath;
	}

	private static JsonNode read(String json, String what) {
		try {
			return JSON.readTree(json.isBlank() ? "null" : json);
		}
		catch (JsonProcessingException ex) {
			throw new MalformedOutputException("Lmod's spider -o " + what + " output is not JSON: "
					+ ex.getOriginalMessage(), ex);
		}
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isTextual()) {
			throw new MalformedOutputException("Lmod's spider output lacks \"" + field + "\" in " + ModuleSpec.quote(node.toString()));
		}
		return value.asText();
	}

}
