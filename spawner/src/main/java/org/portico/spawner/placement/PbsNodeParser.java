package org.portico.spawner.placement;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

/**
 * Reads PBS Professional / OpenPBS {@code pbsnodes -a -F json} into node capacities. Pure function over
 * the text; runs no command.
 */
public final class PbsNodeParser {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final Set<String> UNUSABLE = Set.of("down", "offline", "state-unknown", "unresolvable", "stale",
			"provisioning", "wait-provisioning", "maintenance", "sleep");

	private PbsNodeParser() {
	}

	/**
	 * Reads {@code pbsnodes -a -F json}: the {@code nodes} object, each with {@code state} and
	 * {@code resources_available.{ncpus, mem, ngpus, Qlist}}.
	 * @param json the command's standard output
	 * @param queue only nodes whose {@code resources_available.Qlist} names this queue (nodes without a
	 * Qlist are kept), or {@code null} for all
	 * @param defaults swap and GPU memory, which PBS does not report
	 * @return the nodes in the listing's order
	 * @throws IllegalArgumentException if the text is not such a listing
	 */
	public static List<NodeReport> parse(String json, @Nullable String queue, CapacityDefaults defaults) {
		JsonNode root;
		try {
			root = JSON.readTree(json);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("pbsnodes -F json output is not JSON: " + ex.getOriginalMessage(), ex);
		}
		JsonNode nodes = (root != null) ? root.get("nodes") : null;
		if (nodes == null || !nodes.isObject()) {
			throw new IllegalArgumentException("pbsnodes -F json output has no nodes object");
		}
		List<NodeReport> reports = new ArrayList<>();
		Iterator<Map.Entry<String, JsonNode>> entries = nodes.fields();
		while (entries.hasNext()) {
			Map.Entry<String, JsonNode> entry = entries.next();
			JsonNode node = entry.getValue();
			JsonNode available = node.path("resources_available");
			List<String> queues = new ArrayList<>();
			for (String q : available.path("Qlist").asText("").split(",")) {
				if (!q.isBlank()) {
					queues.add(q.strip());
				}
			}
			if (queue != null && !queues.isEmpty() && !queues.contains(queue)) {
				continue;
			}
			int cpus = available.path("ncpus").asInt(node.path("pcpus").asInt(0));
			long memory = memoryMiB(available.path("mem").asText("0b"));
			int gpus = available.path("ngpus").asInt(0);
			String state = node.path("state").asText("");
			reports.add(new NodeReport(defaults.node(entry.getKey(), cpus, memory, defaults.swapMiB(), gpus), state,
					usable(state), queues));
		}
		return reports;
	}

	/** Whether every word of a PBS node state (comma-separated) lets jobs start. */
	static boolean usable(String state) {
		if (state.isBlank()) {
			return false;
		}
		for (String word : state.split(",")) {
			if (UNUSABLE.contains(word.strip().toLowerCase(Locale.ROOT))) {
				return false;
			}
		}
		return true;
	}

	/** A PBS size ({@code 527672488kb}, {@code 64gb}, {@code 1024}) in MiB; PBS units are powers of 1024. */
	static long memoryMiB(String size) {
		String s = size.strip().toLowerCase(Locale.ROOT);
		int unitAt = 0;
		while (unitAt < s.length() && Character.isDigit(s.charAt(unitAt))) {
			unitAt++;
		}
		if (unitAt == 0) {
			throw new IllegalArgumentException("not a PBS size: " + size);
		}
		long value = Long.parseLong(s.substring(0, unitAt));
		String unit = s.substring(unitAt);
		if (unit.endsWith("w")) {
			throw new IllegalArgumentException("PBS sizes in words are not supported: " + size);
		}
		switch (unit) {
			case "":
			case "b":
				return value >> 20;
			case "kb":
				return value >> 10;
			case "mb":
				return value;
			case "gb":
				return value << 10;
			case "tb":
				return value << 20;
			case "pb":
				return value << 30;
			default:
				throw new IllegalArgumentException("unknown PBS size unit: " + size);
		}
	}
}
