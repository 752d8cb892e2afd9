package org.portico.spawner.placement;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.jspecify.annotations.Nullable;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads Grid Engine's {@code qhost -xml} ({@code qhost -q -F gpu -xml} for queue instances and the GPU
 * consumable) into node capacities. Pure function over the text; runs no command.
 */
public final class SgeNodeParser {

	private SgeNodeParser() {
	}

	/** Queue-instance states in which Grid Engine starts no new job there (see qstat(1), "state"). */
	private static final String CLOSED_STATES = "udDEsSCo";

	/**
	 * Reads {@code qhost -xml} output as {@link #parse(String, String, String, CapacityDefaults)} does,
	 * without a queue: all hosts, cores from {@code num_proc}.
	 */
	public static List<NodeReport> parse(String xml, String gpuResource, CapacityDefaults defaults) {
		return parse(xml, gpuResource, null, defaults);
	}

	/**
	 * Reads {@code qhost -xml} output (best {@code qhost -q -F GPU -xml}): each {@code host} except
	 * {@code global}, with {@code num_proc}, {@code mem_total} and {@code swap_total}, the GPU count from the
	 * {@code resourcevalue} named {@code gpuResource} (present with {@code -F}), and its queue instances with
	 * their {@code slots} and {@code state_string} (present with {@code -q}).
	 * <ul>
	 * <li>A host whose values are {@code -} (its execution daemon does not report) is not usable.</li>
	 * <li>With a {@code queue}, only hosts that have an instance of it are listed; their cores are the
	 * instance's {@code slots} (what Grid Engine hands out and enforces), and the host is usable only while
	 * the instance is (not disabled {@code d}/{@code D}, in error {@code E}, unknown {@code u}, suspended
	 * {@code s}/{@code S}/{@code C} or orphaned {@code o}; a load alarm {@code a} passes, it is transient).</li>
	 * <li>Without one, cores are {@code num_proc}, and a host that lists queue instances is usable while one
	 * of them is.</li>
	 * </ul>
	 * @param xml the command's standard output
	 * @param gpuResource the consumable that counts GPUs, for example {@code gpu}
	 * @param queue the cluster queue whose instances form the pool, or {@code null} for every host
	 * @param defaults GPU memory, which Grid Engine does not report (swap is taken from the host)
	 * @return the hosts in the listing's order
	 * @throws IllegalArgumentException if the text is not such a listing
	 */
	public static List<NodeReport> parse(String xml, String gpuResource, @Nullable String queue, CapacityDefaults defaults) {
		Document document = read(xml);
		if (!"qhost".equals(document.getDocumentElement().getTagName())) {
			throw new IllegalArgumentException("not qhost -xml output: root is " + document.getDocumentElement().getTagName());
		}
		List<NodeReport> reports = new ArrayList<>();
		NodeList hosts = document.getDocumentElement().getElementsByTagName("host");
		for (int i = 0; i < hosts.getLength(); i++) {
			Element host = (Element) hosts.item(i);
			String name = host.getAttribute("name");
			if (name.equals("global")) {
				continue;
			}
			Map<String, QueueInstance> queues = queues(host);
			QueueInstance instance = (queue != null) ? queues.get(queue) : null;
			if (queue != null && instance == null) {
				continue;
			}
			String procs = value(host, "hostvalue", "num_proc");
			String memory = value(host, "hostvalue", "mem_total");
			String swap = value(host, "hostvalue", "swap_total");
			String gpus = value(host, "resourcevalue", gpuResource);
			boolean reporting = procs != null && !procs.equals("-") && memory != null && !memory.equals("-");
			int cores = reporting ? Integer.parseInt(procs) : 1;
			if (instance != null) {
				cores = Math.max(1, instance.slots());
			}
			long memoryMiB = reporting ? sizeMiB(memory) : 0;
			long swapMiB = (swap != null && !swap.equals("-")) ? sizeMiB(swap) : defaults.swapMiB();
			int gpuCount = (gpus != null && !gpus.equals("-")) ? (int) Double.parseDouble(gpus) : 0;
			String state;
			boolean usable;
			if (!reporting) {
				state = "not reporting";
				usable = false;
			}
			else if (instance != null) {
				usable = instance.open();
				state = usable ? "reporting" : "queue " + queue + "@" + name + " state " + instance.state();
			}
			else if (!queues.isEmpty() && queues.values().stream().noneMatch(QueueInstance::open)) {
				usable = false;
				state = "no open queue instance";
			}
			else {
				usable = true;
				state = "reporting";
			}
			reports.add(new NodeReport(defaults.node(name, cores, memoryMiB, swapMiB, gpuCount), state, usable,
					List.copyOf(queues.keySet())));
		}
		return reports;
	}

	/** One queue instance of a host as {@code qhost -q} lists it. */
	private record QueueInstance(int slots, String state) {

		boolean open() {
			for (char c : this.state.toCharArray()) {
				if (CLOSED_STATES.indexOf(c) >= 0) {
					return false;
				}
			}
			return true;
		}
	}

	private static Map<String, QueueInstance> queues(Element host) {
		Map<String, QueueInstance> queues = new LinkedHashMap<>();
		NodeList list = host.getElementsByTagName("queue");
		for (int i = 0; i < list.getLength(); i++) {
			Element queue = (Element) list.item(i);
			String slots = value(queue, "queuevalue", "slots");
			String state = value(queue, "queuevalue", "state_string");
			int count;
			try {
				count = (slots != null) ? Integer.parseInt(slots) : 0;
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("qhost -q: queue " + queue.getAttribute("name") + " has slots " + slots, ex);
			}
			queues.put(queue.getAttribute("name"), new QueueInstance(count, (state != null) ? state : ""));
		}
		return queues;
	}

	/** A Grid Engine size ({@code 23.5G}, {@code 21.608G}, {@code 512M}, {@code 0.0}) in MiB; units are powers of 1024, no unit is bytes. */
	static long sizeMiB(String size) {
		String s = size.strip().toUpperCase(Locale.ROOT);
		char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
		double factor;
		String number = s.substring(0, Math.max(0, s.length() - 1));
		switch (last) {
			case 'K':
				factor = 1.0 / 1024;
				break;
			case 'M':
				factor = 1;
				break;
			case 'G':
				factor = 1024;
				break;
			case 'T':
				factor = 1024 * 1024;
				break;
			default:
				number = s;
				factor = 1.0 / (1024 * 1024);
		}
		try {
			return Math.round(Double.parseDouble(number) * factor);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("not a Grid Engine size: " + size, ex);
		}
	}

	private static @Nullable String value(Element host, String tag, String name) {
		NodeList values = host.getElementsByTagName(tag);
		for (int i = 0; i < values.getLength(); i++) {
			Element value = (Element) values.item(i);
			if (name.equals(value.getAttribute("name"))) {
				return value.getTextContent().strip();
			}
		}
		return null;
	}

	private static Document read(String xml) {
		try {
			DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
			// Scheduler output is data: no DTDs, no external entities.
			factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
			factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
			factory.setXIncludeAware(false);
			factory.setExpandEntityReferences(false);
			DocumentBuilder builder = factory.newDocumentBuilder();
			// Errors become the exception below instead of lines on standard error.
			builder.setErrorHandler(new DefaultHandler());
			return builder.parse(new InputSource(new StringReader(xml)));
		}
		catch (ParserConfigurationException | SAXException | IOException ex) {
			throw new IllegalArgumentException("qhost -xml output is not XML: " + ex.getMessage(), ex);
		}
	}
}
