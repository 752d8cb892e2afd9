package org.portico.spawner.placement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

/**
 * Reads Slurm's node listing ({@code sinfo --json}, or {@code scontrol show node -o} where
 * {@code scontrol} has no JSON as in 22.05) into node capacities. Pure functions over the text; runs no
 * command.
 */
public final class SlurmNodeParser {

	private static final ObjectMapper JSON = new ObjectMapper();

	/** A {@code Key=} at the start of the line or after a space: values (like {@code OS=}) may hold spaces. */
	private static final Pattern KEY = Pattern.compile("(?:^|\\s)([A-Za-z][A-Za-z0-9_/:.]*)=");

	private static final Pattern PARENS = Pattern.compile("\\([^)]*\\)");

	private SlurmNodeParser() {
	}

	/**
	 * Reads {@code sinfo --json} (Slurm 22.05 and later: {@code nodes[]} with {@code name}, {@code cpus},
	 * {@code real_memory}, {@code gres}, {@code state} as a word or a list, {@code state_flags},
	 * {@code partitions}).
	 * @param json the command's standard output
	 * @param partition only nodes of this partition, or {@code null} for all
	 * @param defaults swap and GPU memory, which Slurm does not report
	 * @return the nodes in the listing's order
	 * @throws IllegalArgumentException if the text is not such a listing
	 */
	public static List<NodeReport> parseSinfoJson(String json, @Nullable String partition, CapacityDefaults defaults) {
		JsonNode root;
		try {
			root = JSON.readTree(json);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("sinfo --json output is not JSON: " + ex.getOriginalMessage(), ex);
		}
		JsonNode nodes = (root != null) ? root.get("nodes") : null;
		if (nodes == null || !nodes.isArray()) {
			throw new IllegalArgumentException("sinfo --json output has no nodes list");
		}
		List<NodeReport> reports = new ArrayList<>();
		for (JsonNode node : nodes) {
			List<String> partitions = new ArrayList<>();
			node.path("partitions").forEach((p) -> partitions.add(p.asText()));
			if (partition != null && !partitions.contains(partition)) {
				continue;
			}
			String name = node.path("name").asText("");
			int cpus = node.path("cpus").asInt(0);
			long memory = node.path("real_memory").asLong(0);
			List<String> words = new ArrayList<>();
			JsonNode state = node.path("state");
			if (state.isArray()) {
				state.forEach((s) -> words.add(s.asText()));
			}
			else {
				words.add(state.asText(""));
			}
			node.path("state_flags").forEach((f) -> words.add(f.asText()));
			String stateText = String.join("+", words);
			reports.add(new NodeReport(defaults.node(name, cpus, memory, defaults.swapMiB(), gpuCount(node.path("gres").asText(""))),
					stateText, usable(words), partitions));
		}
		return reports;
	}

	/**
	 * Reads {@code scontrol show node -o}: one {@code Key=Value} line per node, using {@code NodeName},
	 * {@code CPUEfctv} (or {@code CPUTot}), {@code RealMemory}, {@code Gres}, {@code State} and
	 * {@code Partitions}.
	 * @param text the command's standard output
	 * @param partition only nodes of this partition, or {@code null} for all
	 * @param defaults swap and GPU memory, which Slurm does not report
	 * @return the nodes in the listing's order
	 * @throws IllegalArgumentException if a line lacks a node name or CPU count
	 */
	public static List<NodeReport> parseScontrolShowNode(String text, @Nullable String partition,
			CapacityDefaults defaults) {
		List<NodeReport> reports = new ArrayList<>();
		for (String line : text.split("\\R")) {
			if (line.isBlank()) {
				continue;
			}
			Map<String, String> fields = keyValues(line.strip());
			String name = fields.get("NodeName");
			String cpus = (fields.get("CPUEfctv") != null) ? fields.get("CPUEfctv") : fields.get("CPUTot");
			if (name == null || cpus == null) {
				throw new IllegalArgumentException("not a scontrol show node -o line: " + line);
			}
			List<String> partitions = list(fields.getOrDefault("Partitions", ""));
			if (partition != null && !partitions.contains(partition)) {
				continue;
			}
			String state = fields.getOrDefault("State", "");
			long memory = Long.parseLong(fields.getOrDefault("RealMemory", "0"));
			reports.add(new NodeReport(
					defaults.node(name, Integer.parseInt(cpus), memory, defaults.swapMiB(),
							gpuCount(fields.getOrDefault("Gres", ""))),
					state, usable(List.of(state.split("\\+"))), partitions));
		}
		return reports;
	}

	/**
	 * The GPUs in a GRES string such as {@code gpu:2,shard:8}, {@code gpu:h100:4(S:0-1)} or
	 * {@code gpu:a100:2(S:0),gpu:a100:2(S:1)}; {@code (null)} and other GRES count 0.
	 */
	static int gpuCount(String gres) {
		int gpus = 0;
		for (String entry : PARENS.matcher(gres).replaceAll("").split(",")) {
			String[] parts = entry.strip().split(":");
			if (!parts[0].equals("gpu")) {
				continue;
			}
			if (parts.length == 1) {
				gpus += 1;
				continue;
			}
			String last = parts[parts.length - 1];
			gpus += last.chars().allMatch(Character::isDigit) && !last.isEmpty() ? Integer.parseInt(last) : 1;
		}
		return gpus;
	}

	/** Whether Slurm's state words let jobs start: not down, drained or draining, failing or unreachable. */
	static boolean usable(List<String> words) {
		for (String word : words) {
			// A trailing * marks a node that does not respond (for example DOWN* or IDLE*).
			String w = word.toUpperCase(Locale.ROOT);
			if (w.endsWith("*") || w.startsWith("DOWN") || w.startsWith("DRAIN") || w.startsWith("FAIL")
					|| w.equals("NOT_RESPONDING") || w.equals("UNKNOWN") || w.startsWith("FUTURE")
					|| w.equals("MAINTENANCE") || w.equals("REBOOT_ISSUED") || w.equals("POWERED_DOWN")
					|| w.equals("INVALID_REG")) {
				return false;
			}
		}
		return !words.isEmpty() && !(words.size() == 1 && words.get(0).isEmpty());
	}

	private static Map<String, String> keyValues(String line) {
		Map<String, String> fields = new LinkedHashMap<>();
		Matcher matcher = KEY.matcher(line);
		String key = null;
		int valueStart = 0;
		while (matcher.find()) {
			if (key != null) {
				fields.put(key, line.substring(valueStart, matcher.start()).strip());
			}
			key = matcher.group(1);
			valueStart = matcher.end();
		}
		if (key != null) {
			fields.put(key, line.substring(valueStart).strip());
		}
		return fields;
	}

	private static List<String> list(String commaSeparated) {
		List<String> items = new ArrayList<>();
		for (String item : commaSeparated.split(",")) {
			if (!item.isBlank() && !item.equals("(null)")) {
				items.add(item.strip());
			}
		}
		return items;
	}
}
