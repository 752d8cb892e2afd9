package org.portico.gateway.placement;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.portico.gateway.batch.BatchProperties;
import org.portico.gateway.batch.ProfileCatalog;
import org.portico.gateway.batch.ProfileProperties;
import org.portico.gateway.store.ReservationStore;
import org.portico.spawner.batch.BatchOptions;
import org.portico.spawner.exec.CommandLine;
import org.portico.spawner.exec.CommandResult;
import org.portico.spawner.exec.CommandRunner;
import org.portico.spawner.placement.NodeReport;
import org.portico.spawner.placement.PoolView;
import org.portico.spawner.placement.Seat;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PoolSource} and the live pools of {@link PlacementService} (issue 4) over recorded scheduler output
 * (see {@code src/test/resources/placement/README.md}), answered by a scripted command runner: the real
 * parsers and engine, only the command is not run. PBS cannot run on the test machines, so its source is
 * tested only here.
 */
class PoolSourceTests {

	private static final BatchProperties.Scheduler DEFAULT_SCHEDULER = new BatchProperties.Scheduler(false, null, Map.of(),
			"runuser", Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(20), Duration.ofSeconds(30), "portico",
			Duration.ofHours(1), Duration.ofSeconds(60), Duration.ofSeconds(60), null, true, List.of());

	private static final BatchProperties BATCH = new BatchProperties(null, "[a-z0-9.-]+", null, "/home/{user}", ".portico/logs",
			"python3", 5, DEFAULT_SCHEDULER, DEFAULT_SCHEDULER, DEFAULT_SCHEDULER);

	/** Answers each command with the next scripted result and records what it was asked to run. */
	static final class ScriptedRunner implements CommandRunner {

		final Deque<CommandResult> answers = new ArrayDeque<>();

		final List<CommandLine> asked = new ArrayList<>();

		ScriptedRunner then(int exit, String stdout, String stderr) {
			this.answers.add(CommandResult.of(exit, stdout, stderr));
			return this;
		}

		@Override
		public synchronized Mono<CommandResult> run(CommandLine command, String stdin) {
			this.asked.add(command);
			CommandResult next = this.answers.poll();
			return (next != null) ? Mono.just(next) : Mono.error(new IllegalStateException("nothing scripted for " + command.argv()));
		}
	}

	static String fixture(String name) {
		try (InputStream in = PoolSourceTests.class.getResourceAsStream("/placement/" + name)) {
			if (in == null) {
				throw new IllegalStateException("missing fixture placement/" + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static PlacementProperties.Pool pool(String source, String queue, double cpuFactor, int sessionsPerGpu, String binding) {
		return new PlacementProperties.Pool(source, queue, Duration.ofSeconds(60), List.of(), 0, 40960, cpuFactor, 1,
				sessionsPerGpu, 0, "spread", 1, Integer.MAX_VALUE, 4, binding, false, Duration.ZERO);
	}

	static ProfileProperties.Profile profile(String scheduler, String queue, int cores, String gres) {
		return new ProfileProperties.Profile("P", null, scheduler, queue, List.of(), null, cores, null, 0, gres, 1, 4, false, true,
				"p", null);
	}

	static PlacementService service(PlacementProperties.Pool pool, ProfileProperties.Profile profile, CommandRunner runner) {
		return new PlacementService(new PlacementProperties(Map.of("p", pool), Duration.ofSeconds(5), null, Duration.ofHours(12)),
				new ProfileCatalog(new ProfileProperties(Map.of("share", profile), null)), BATCH, new ReservationStore(null), runner);
	}

	static PlacementService.Seated seat(PlacementService service, String user) {
		ProfileCatalog.Choice choice = new ProfileCatalog.Choice("share", "x", 1, Map.of());
		return service.seat(choice, user, "", Set.of(), Duration.ofHours(1));
	}

	// ---- the source, one scheduler at a time

	@Test
	void pbsRunsPbsnodesAndReadsTheRecordedListing() {
		ScriptedRunner runner = new ScriptedRunner().then(0, fixture("pbs-pbsnodes-a-F-json.json"), "");
		PoolSource source = PoolSource.of("p", pool("pbs", null, 1, 1, "environment"), BATCH, runner);
		List<NodeReport> nodes = source.read().block(Duration.ofSeconds(5));
		assertThat(runner.asked).singleElement().satisfies((command) -> {
			assertThat(command.argv()).containsExactly("/opt/pbs/bin/pbsnodes", "-a", "-F", "json");
			assertThat(command.timeout()).isEqualTo(Duration.ofSeconds(30));
		});
		assertThat(nodes).extracting((node) -> node.capacity().name()).containsExactly("x3006c0s13b1n0", "x3008c0s37b1n0",
				"x3009c0s19b0n0");
		assertThat(nodes).extracting(NodeReport::usable).containsExactly(true, true, false);
		assertThat(source.scheduler()).isEqualTo("pbs");
	}

	@Test
	void sgeRunsQhostWithQueuesAndTheGpuConsumableInTheCellsEnvironment() {
		ScriptedRunner runner = new ScriptedRunner().then(0, fixture("sge-qhost-q-F-gpu-disabled.xml"), "");
		PoolSource source = PoolSource.of("p", pool("sge", "all.q", 1, 2, "environment"), BATCH, runner);
		List<NodeReport> nodes = source.read().block(Duration.ofSeconds(5));
		assertThat(runner.asked).singleElement().satisfies((command) -> {
			assertThat(command.argv()).containsExactly("/usr/lib/gridengine/qhost", "-q", "-F", "gpu", "-xml");
			assertThat(command.environment()).containsEntry("SGE_ROOT", "/var/lib/gridengine").containsEntry("SGE_CELL", "default");
		});
		assertThat(nodes).singleElement().satisfies((node) -> {
			assertThat(node.capacity().cores()).as("the queue instance's slots").isEqualTo(16);
			assertThat(node.usable()).isFalse();
		});
	}

	@Test
	void slurmUsesTheConfiguredBinDirAndEnvironment() {
		BatchProperties.Scheduler slurm = new BatchProperties.Scheduler(true, "/opt/slurm/bin/", Map.of("SLURM_CONF", "/etc/slurm/x.conf"),
				"runuser", Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(20), Duration.ofSeconds(7), "portico",
				Duration.ofHours(1), Duration.ofSeconds(60), Duration.ofSeconds(60), null, true, List.of());
		BatchProperties batch = new BatchProperties(null, "[a-z0-9.-]+", null, "/home/{user}", ".portico/logs", "python3", 5, slurm,
				DEFAULT_SCHEDULER, DEFAULT_SCHEDULER);
		ScriptedRunner runner = new ScriptedRunner().then(1, "", "slurm_load_node error: Unable to contact slurm controller");
		PoolSource source = PoolSource.of("p", pool("slurm", "interactive", 1, 1, "scheduler"), batch, runner);
		assertThatIllegalStateException().isThrownBy(() -> source.read().block(Duration.ofSeconds(5)))
			.withMessageContaining("placement pool p: /opt/slurm/bin/scontrol show node -o failed")
			.withMessageContaining("Unable to contact slurm controller");
		assertThat(runner.asked.get(0).environment()).containsEntry("SLURM_CONF", "/etc/slurm/x.conf");
		assertThat(runner.asked.get(0).timeout()).isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void aListingWithoutNodesOrUnreadableIsAnError() {
		ScriptedRunner runner = new ScriptedRunner().then(0, "{\"nodes\": {}}", "").then(0, "pbsnodes: Server has no node list", "");
		PoolSource source = PoolSource.of("p", pool("pbs", null, 1, 1, "environment"), BATCH, runner);
		assertThatIllegalStateException().isThrownBy(() -> source.read().block(Duration.ofSeconds(5)))
			.withMessageContaining("lists no node");
		assertThatIllegalStateException().isThrownBy(() -> source.read().block(Duration.ofSeconds(5)))
			.withMessageContaining("gave output it cannot read");
	}

	@Test
	void anUnknownSourceIsRefused() {
		assertThatIllegalStateException().isThrownBy(() -> PoolSource.of("p", pool("lsf", null, 1, 1, "environment"), BATCH,
				new ScriptedRunner())).withMessage("portico.placement.pools.p.source must be config, slurm, sge or pbs");
	}

	// ---- pools that follow the scheduler

	@Test
	void aPbsPoolSeatsOnlyOnTheNodesPbsReportsUsable() {
		ScriptedRunner runner = new ScriptedRunner().then(0, fixture("pbs-pbsnodes-a-F-json.json"), "");
		PlacementService service = service(pool("pbs", null, 1, 1, "environment"), profile("pbs", null, 64, null), runner);
		PoolView view = service.snapshot().get("p");
		assertThat(view.nodes()).extracting(PoolView.NodeView::open).containsExactly(true, true, false);
		assertThat(view.nodes().get(2).state()).isEqualTo("down");
		List<String> nodes = new ArrayList<>();
		for (String user : List.of("u1", "u2")) {
			nodes.add(seat(service, user).seat().node());
		}
		assertThat(nodes).containsExactlyInAnyOrder("x3006c0s13b1n0", "x3008c0s37b1n0");
		assertThatThrownBy(() -> seat(service, "u3")).isInstanceOfSatisfying(PlacementService.Refused.class,
				(ex) -> assertThat(ex.reason()).isEqualTo("FULL"));
	}

	@Test
	void aReReadClosesAndReopensANodeAndAFailedOneKeepsTheLastGoodNodes() {
		String open = fixture("sge-qhost-q-F-gpu.xml");
		ScriptedRunner runner = new ScriptedRunner().then(0, open, "")
			.then(1, "", "error: commlib error: got select error (Connection refused)")
			.then(0, fixture("sge-qhost-q-F-gpu-disabled.xml"), "")
			.then(0, "<qhost>", "")
			.then(0, open, "");
		PlacementService service = service(pool("sge", "all.q", 1, 2, "environment"), profile("sge", "all.q", 4, "shard:1"), runner);
		PlacementService.Seated first = seat(service, "u1");

		service.refresh("p").block(Duration.ofSeconds(5));
		assertThat(service.snapshot().get("p").nodes()).singleElement().satisfies((node) -> assertThat(node.open())
			.as("a failed re-read keeps the last good nodes").isTrue());
		seat(service, "u2");

		service.refresh("p").block(Duration.ofSeconds(5));
		assertThatThrownBy(() -> seat(service, "u3")).isInstanceOfSatisfying(PlacementService.Refused.class, (ex) -> {
			assertThat(ex.reason()).isEqualTo("CLOSED");
			assertThat(ex.getMessage()).isEqualTo("No node of this queue takes new sessions now (localhost: queue all.q@localhost "
					+ "state d); running sessions go on. Try again later.");
		});
		assertThat(service.snapshot().get("p").sessions()).as("running sessions keep their seats").isEqualTo(2);

		service.refresh("p").block(Duration.ofSeconds(5));
		assertThat(service.snapshot().get("p").nodes().get(0).open()).as("unreadable output changes nothing").isFalse();

		service.refresh("p").block(Duration.ofSeconds(5));
		assertThat(seat(service, "u3").seat().node()).isEqualTo("localhost");
		service.release("u1", "");
		assertThat(service.snapshot().get("p").sessions()).isEqualTo(2);
		assertThat(first.seat().node()).isEqualTo("localhost");
		assertThat(runner.answers).isEmpty();
	}

	// ---- enforcement on Grid Engine

	@Test
	void anSgeSeatIsANodeCoresAndPinsWithoutTheProfilesShard() {
		ScriptedRunner runner = new ScriptedRunner().then(0, fixture("sge-qhost-q-F-gpu.xml"), "");
		ProfileProperties.Profile profile = profile("sge", "all.q", 4, "shard:1");
		PlacementService service = service(pool("sge", "all.q", 1, 2, "environment"), profile, runner);
		PlacementService.Seated seated = seat(service, "u1");
		Seat seat = seated.seat();
		assertThat(seated.options()).containsEntry("nodes", "localhost").containsEntry("cores", "4").containsEntry("gpus", "0")
			.containsEntry("gres", "").containsEntry("pin.OMP_NUM_THREADS", "4")
			.containsEntry("pin.CUDA_VISIBLE_DEVICES", Integer.toString(seat.gpu()));
		// what the Grid Engine spawner reads from them, over the profile's defaults (its shard:1 among them)
		BatchOptions defaults = new BatchOptions("all.q", null, 4, 0, 0, "shard:1", Duration.ofHours(1), false, null);
		BatchOptions options = BatchOptions.fromForm(seated.options(),
				new BatchOptions.Limits(Duration.ofHours(4), 4, Long.MAX_VALUE, 0, Set.of("all.q"), defaults));
		assertThat(options.gres()).isNull();
		assertThat(options.gpus()).isZero();
		assertThat(options.nodeList()).isEqualTo("localhost");
		assertThat(options.pins()).containsEntry("CUDA_VISIBLE_DEVICES", Integer.toString(seat.gpu()))
			.containsEntry("OMP_NUM_THREADS", "4");
	}

	@Test
	void impossibleCombinationsOnGridEngineAreRefusedAtStartUp() {
		String open = fixture("sge-qhost-q-F-gpu.xml");
		assertThatIllegalStateException()
			.isThrownBy(() -> service(pool("sge", "all.q", 1, 2, "scheduler"), profile("sge", "all.q", 2, "shard:1"),
					new ScriptedRunner().then(0, open, "")))
			.withMessageContaining("set portico.placement.pools.p.gpu-binding to environment");
		assertThatIllegalStateException()
			.isThrownBy(() -> service(pool("sge", "all.q", 2, 2, "environment"), profile("sge", "all.q", 2, null),
					new ScriptedRunner().then(0, open, "")))
			.withMessageContaining("cpu-factor must be 1 with source sge");
		assertThatIllegalStateException()
			.isThrownBy(() -> service(pool("sge", "all.q", 1, 2, "environment"), profile("sge", "gpu.q", 2, null),
					new ScriptedRunner().then(0, open, "")))
			.withMessageContaining("submits to queue gpu.q, but pool p seats on the instances of queue all.q");
		assertThatIllegalStateException()
			.isThrownBy(() -> service(pool("sge", "all.q", 1, 2, "environment"), profile("slurm", "all.q", 2, null),
					new ScriptedRunner().then(0, open, "")))
			.withMessageContaining("profile share runs on slurm, but pool p reads its nodes from sge");
		assertThatIllegalStateException()
			.isThrownBy(() -> service(pool("sge", "all.q", 1, 2, "environment"), profile("sge", "all.q", 2, null),
					new ScriptedRunner().then(0, fixture("sge-qhost-q-F-gpu-disabled.xml"), "")))
			.withMessageContaining("has no usable node");
	}
}
