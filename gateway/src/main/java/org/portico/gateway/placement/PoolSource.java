package org.portico.gateway.placement;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.batch.BatchProperties;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.CommandRunner;
import org.portico.spawner.pbs.PbsScheduler;
import org.portico.spawner.placement.CapacityDefaults;
import org.portico.spawner.placement.NodeCapacity;
import org.portico.spawner.placement.NodeReport;
import org.portico.spawner.placement.PbsNodeParser;
import org.portico.spawner.placement.SgeNodeParser;
import org.portico.spawner.placement.SlurmNodeParser;
import org.portico.spawner.sge.SgeScheduler;
import reactor.core.publisher.Mono;

/**
 * Where a pool's nodes come from: its configuration, or one read-only scheduler command (an argument list,
 * with the scheduler's bin dir and environment from {@link BatchProperties}) whose output the scheduler's
 * node parser turns into {@link NodeReport}s. The same code reads Slurm, Grid Engine and PBS; only the
 * command and the parser differ:
 * <ul>
 * <li>{@code slurm}: {@code scontrol show node -o}, the nodes of {@code partition};</li>
 * <li>{@code sge}: {@code qhost -q -F GPU -xml}, the instances of queue {@code partition};</li>
 * <li>{@code pbs}: {@code pbsnodes -a -F json}, the nodes whose {@code Qlist} names queue
 * {@code partition}.</li>
 * </ul>
 * The command runs with the gateway's own rights (it only lists nodes). Thread-safe.
 */
final class PoolSource {

	private final String pool;

	private final String source;

	private final @Nullable CommandLine command;

	private final Function<String, List<NodeReport>> parser;

	private final List<NodeReport> configured;

	private final CommandRunner runner;

	private PoolSource(String pool, String source, @Nullable CommandLine command, Function<String, List<NodeReport>> parser,
			List<NodeReport> configured, CommandRunner runner) {
		this.pool = pool;
		this.source = source;
		this.command = command;
		this.parser = parser;
		this.configured = List.copyOf(configured);
		this.runner = runner;
	}

	/**
	 * The source of a pool's properties.
	 * @param pool the pool's name (for messages)
	 * @param properties the pool
	 * @param batch the schedulers' settings (bin dir, environment, command timeout)
	 * @param runner runs the command (the gateway's local runner; a fake one in tests)
	 * @throws IllegalStateException if {@code source} is none of {@code config}, {@code slurm}, {@code sge},
	 * {@code pbs}
	 */
	static PoolSource of(String pool, PlacementProperties.Pool properties, BatchProperties batch, CommandRunner runner) {
		CapacityDefaults defaults = new CapacityDefaults(properties.swapMib(), properties.gpuMemoryMib());
		String queue = properties.partition();
		String source = properties.source().toLowerCase(Locale.ROOT);
		return switch (source) {
			case "config" -> new PoolSource(pool, source, null, (text) -> List.of(), configured(properties), runner);
			case "slurm" -> new PoolSource(pool, source, command(batch.slurm(), null, Map.of(), List.of("scontrol", "show", "node", "-o")),
					(text) -> SlurmNodeParser.parseScontrolShowNode(text, queue, defaults), List.of(), runner);
			case "sge" -> {
				SgeScheduler.Settings debian = SgeScheduler.Settings.debian();
				String gpu = debian.gpuResource();
				List<String> argv = new ArrayList<>(List.of("qhost", "-q"));
				if (!gpu.isEmpty()) {
					argv.addAll(List.of("-F", gpu));
				}
				argv.add("-xml");
				// the same defaults as the Grid Engine spawner (BatchConfiguration)
				yield new PoolSource(pool, source, command(batch.sge(), debian.binDir(), debian.environment(), argv),
						(text) -> SgeNodeParser.parse(text, gpu, queue, defaults), List.of(), runner);
			}
			case "pbs" -> new PoolSource(pool, source,
					command(batch.pbs(), PbsScheduler.Settings.defaults().binDir(), Map.of(), List.of("pbsnodes", "-a", "-F", "json")),
					(text) -> PbsNodeParser.parse(text, queue, defaults), List.of(), runner);
			default -> throw new IllegalStateException("portico.placement.pools." + pool + ".source must be config, slurm, sge or pbs");
		};
	}

	/** {@code config}, {@code slurm}, {@code sge} or {@code pbs}. */
	String source() {
		return this.source;
	}

	/** The scheduler the nodes are read from, or {@code null} for {@code config}. */
	@Nullable String scheduler() {
		return (this.command != null) ? this.source : null;
	}

	/** Whether re-reading can change anything (a scheduler source). */
	boolean live() {
		return this.command != null;
	}

	/** How long one read may take, at most. */
	Duration timeout() {
		return (this.command != null) ? this.command.timeout().plusSeconds(5) : Duration.ofSeconds(1);
	}

	/**
	 * Reads the nodes now.
	 * @return emits the listing (usable nodes and not) once the command has run and been parsed, or the
	 * configured nodes at once; signals {@link IllegalStateException} when the command fails or times out,
	 * its output cannot be parsed, or it lists no node (a listing never empties a pool). Never blocks the
	 * subscribing thread: the command runs on the runner's scheduler.
	 */
	Mono<List<NodeReport>> read() {
		CommandLine line = this.command;
		if (line == null) {
			return Mono.just(this.configured);
		}
		return this.runner.run(line).map((result) -> parse(line, result));
	}

	private List<NodeReport> parse(CommandLine line, CommandResult result) {
		String what = String.join(" ", line.argv());
		if (!result.success()) {
			throw new IllegalStateException("placement pool " + this.pool + ": " + what + " failed: " + result.message(300));
		}
		List<NodeReport> reports;
		try {
			reports = this.parser.apply(result.stdout());
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("placement pool " + this.pool + ": " + what + " gave output it cannot read: "
					+ ex.getMessage(), ex);
		}
		if (reports.isEmpty()) {
			throw new IllegalStateException("placement pool " + this.pool + ": " + what + " lists no node of the pool's queue or partition");
		}
		return reports;
	}

	private static List<NodeReport> configured(PlacementProperties.Pool pool) {
		return pool.nodes().stream()
			.map((n) -> new NodeReport(new NodeCapacity(n.name(), n.cores(), n.memoryMib(), (n.swapMib() > 0) ? n.swapMib() : pool.swapMib(),
					n.gpus(), (n.gpuMemoryMib() > 0) ? n.gpuMemoryMib() : pool.gpuMemoryMib()), "configured", true, List.of()))
			.toList();
	}

	/**
	 * The command with the scheduler's bin dir (its default where the spawner has one) before the program,
	 * and its environment (the default where none is configured).
	 */
	private static CommandLine command(BatchProperties.Scheduler scheduler, @Nullable String defaultBinDir,
			Map<String, String> defaultEnvironment, List<String> argv) {
		String binDir = (scheduler.binDir() != null && !scheduler.binDir().isBlank()) ? scheduler.binDir() : defaultBinDir;
		List<String> full = new ArrayList<>(argv);
		if (binDir != null && !binDir.isBlank()) {
			full.set(0, binDir.replaceAll("/+$", "") + "/" + argv.get(0));
		}
		Map<String, String> environment = scheduler.environment().isEmpty() ? defaultEnvironment : scheduler.environment();
		return new CommandLine(full, Objects.requireNonNull(environment), scheduler.commandTimeout());
	}
}
