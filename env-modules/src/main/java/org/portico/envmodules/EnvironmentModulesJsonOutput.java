package org.portico.envmodules;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * Reads Environment Modules' {@code --json} listings ({@code avail}, {@code avail -d},
 * {@code whatis}), which {@code modulecmd.tcl} writes to its error output, not its standard output:
 * {@code {"DIR": {"NAME/VERSION": {...}, ...}, "DIR2": {...}}}, one module per line.
 *
 * <p>{@code whatis} evaluates every modulefile, and text a modulefile prints on stderr lands in
 * the middle of the JSON (measured with 5.2.0: {@code {noise\n"DIR": {...}}). When the text is
 * not valid JSON as a whole it is therefore read line by line, which loses only a line that the
 * noise shares with a module.
 */
final class EnvironmentModulesJsonOutput {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final Pattern DIRECTORY = Pattern.compile("^\\{?(\"(?:[^\"\\\\]|\\\\.)*\"): \\{$");

	private EnvironmentModulesJsonOutput() {
	}

	/**
	 * The entries of a listing, keyed by full module name; for a name found in several
	 * {@code MODULEPATH} directories, the first directory's entry (the one {@code module load}
	 * picks).
	 * @param stderr the error output of {@code modulecmd.tcl sh avail|whatis --json}
	 * @return entries in output order
	 * @throws MalformedOutputException if no listing can be found at all
	 */
	static Map<String, JsonNode> entries(String stderr) {
		Map<String, JsonNode> entries = new LinkedHashMap<>();
		JsonNode whole = strict(stderr);
		if (whole != null) {
			for (Iterator<JsonNode> dirs = whole.elements(); dirs.hasNext();) {
				dirs.next().fields().forEachRemaining((e) -> entries.putIfAbsent(e.getKey(), e.getValue()));
			}
			return entries;
		}
		boolean listing = false;
		for (String line : stderr.split("\n")) {
			if (DIRECTORY.matcher(line).matches() || line.equals("{}")) {
				listing = true;
				continue;
			}
			String entry = line.endsWith(",") ? line.substring(0, line.length() - 1) : line;
			if (!entry.startsWith("\"") || !entry.endsWith("}")) {
				continue;
			}
			try {
				JsonNode node = JSON.readTree("{" + entry + "}");
				node.fields().forEachRemaining((e) -> entries.putIfAbsent(e.getKey(), e.getValue()));
				listing = true;
			}
			catch (JsonProcessingException ex) {
				// A module line that noise was written into; the rest of the listing still counts.
			}
		}
		if (!listing) {
			throw new MalformedOutputException("no --json listing in Environment Modules' output: "
					+ MalformedOutputException.excerpt(stderr, 0));
		}
		return entries;
	}

	/**
	 * Builds the catalogue's modules from the three listings.
	 * @param avail {@code avail --json}: every visible modulefile with its path and type
	 * @param defaults {@code avail -d --json}: the version each module's default resolves to,
	 * implicit (highest) defaults included, which {@code avail}'s {@code symbols} leave out
	 * @param whatis {@code whatis --json}: the whatis lines of every modulefile
	 * @return the modules
	 */
	static List<AvailableModule> catalogue(String avail, String defaults, String whatis) {
		Set<String> defaultNames = entries(defaults).keySet();
		Map<String, JsonNode> whatisEntries = entries(whatis);
		Map<String, List<ModuleVersion>> byModule = new TreeMap<>();
		for (Map.Entry<String, JsonNode> entry : entries(avail).entrySet()) {
			String type = entry.getValue().path("type").asText("modulefile");
			if (!type.equals("modulefile") && !type.equals("virtual")) {
				// aliases and directories are names for modulefiles listed on their own
				continue;
			}
			String fullName = entry.getKey();
			int slash = fullName.lastIndexOf('/');
			String module = (slash < 0) ? fullName : fullName.substring(0, slash);
			String version = (slash < 0) ? null : fullName.substring(slash + 1);
			List<String> lines = new ArrayList<>();
			whatisEntries.getOrDefault(fullName, JSON.createObjectNode())
				.path("whatis")
				.forEach((line) -> lines.add(line.asText()));
			byModule.computeIfAbsent(module, (k) -> new ArrayList<>())
				.add(new ModuleVersion(fullName, version, entry.getValue().path("pathname").asText(""),
						ModuleVersion.describe(lines), lines, defaultNames.contains(fullName)));
		}
		List<AvailableModule> modules = new ArrayList<>();
		byModule.forEach((name, versions) -> modules.add(AvailableModule.of(name, versions)));
		return modules;
	}

	private static @Nullable JsonNode strict(String stderr) {
		int start = stderr.indexOf('{');
		int end = stderr.lastIndexOf('}');
		if (start < 0 || end < start) {
			return null;
		}
		try {
			JsonNode node = JSON.readTree(stderr.substring(start, end + 1));
			return (node instanceof ObjectNode) ? node : null;
		}
		catch (JsonProcessingException ex) {
			return null;
		}
	}

}
