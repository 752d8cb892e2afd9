package org.portico.spawner.placement;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@link SlurmNodeParser} over output captured from Slurm 22.05.8 (see the fixtures' README). */
class SlurmNodeParserTests {

	private static final CapacityDefaults DEFAULTS = new CapacityDefaults(4096, 81920);

	@Test
	void sinfoJsonOfAnIdleNode() {
		List<NodeReport> nodes = SlurmNodeParser.parseSinfoJson(Fixtures.read("slurm-sinfo-idle.json"), null, DEFAULTS);
		assertThat(nodes).hasSize(1);
		NodeReport node = nodes.get(0);
		assertThat(node.capacity()).isEqualTo(new NodeCapacity("localhost", 16, 16000, 4096, 2, 81920));
		assertThat(node.state()).isEqualTo("idle");
		assertThat(node.usable()).isTrue();
		assertThat(node.partitions()).containsExactly("batch", "interactive");
	}

	@Test
	void sinfoJsonOfANodeRunningShardJobsKeepsItsCapacity() {
		List<NodeReport> nodes = SlurmNodeParser.parseSinfoJson(Fixtures.read("slurm-sinfo-busy.json"), "interactive",
				DEFAULTS);
		assertThat(nodes).singleElement().satisfies((node) -> {
			assertThat(node.state()).isEqualTo("mixed");
			assertThat(node.usable()).isTrue();
			assertThat(node.capacity().cores()).isEqualTo(16);
			assertThat(node.capacity().gpus()).isEqualTo(2);
		});
	}

	@Test
	void sinfoJsonFiltersByPartition() {
		assertThat(SlurmNodeParser.parseSinfoJson(Fixtures.read("slurm-sinfo-idle.json"), "gpu-large", DEFAULTS)).isEmpty();
	}

	@Test
	void scontrolShowNodeOneLinePerNode() {
		List<NodeReport> nodes = SlurmNodeParser.parseScontrolShowNode(Fixtures.read("slurm-scontrol-show-node.txt"),
				"interactive", DEFAULTS);
		assertThat(nodes).singleElement().satisfies((node) -> {
			assertThat(node.capacity()).isEqualTo(new NodeCapacity("localhost", 16, 16000, 4096, 2, 81920));
			assertThat(node.state()).isEqualTo("MIXED");
			assertThat(node.usable()).isTrue();
			assertThat(node.partitions()).containsExactly("batch", "interactive");
		});
	}

	@Test
	void bothListingsOfTheSameClusterAgree() {
		assertThat(NodeReport.usable(SlurmNodeParser.parseSinfoJson(Fixtures.read("slurm-sinfo-busy.json"), null, DEFAULTS)))
			.isEqualTo(NodeReport.usable(SlurmNodeParser.parseScontrolShowNode(Fixtures.read("slurm-scontrol-show-node.txt"),
					null, DEFAULTS)));
	}

	@Test
	void gresCountsGpusOnly() {
		assertThat(SlurmNodeParser.gpuCount("gpu:2,shard:8")).isEqualTo(2);
		assertThat(SlurmNodeParser.gpuCount("gpu:h100:4(S:0-1)")).isEqualTo(4);
		assertThat(SlurmNodeParser.gpuCount("gpu:a100:2(S:0),gpu:a100:2(S:1)")).isEqualTo(4);
		assertThat(SlurmNodeParser.gpuCount("gpu:4(S:0,1),shard:32")).isEqualTo(4);
		assertThat(SlurmNodeParser.gpuCount("(null)")).isZero();
		assertThat(SlurmNodeParser.gpuCount("")).isZero();
		assertThat(SlurmNodeParser.gpuCount("shard:8")).isZero();
	}

	@Test
	void downDrainedAndUnreachableNodesAreNotUsable() {
		assertThat(SlurmNodeParser.usable(List.of("IDLE"))).isTrue();
		assertThat(SlurmNodeParser.usable(List.of("ALLOCATED"))).isTrue();
		assertThat(SlurmNodeParser.usable(List.of("DOWN*"))).isFalse();
		assertThat(SlurmNodeParser.usable(List.of("IDLE", "DRAIN"))).isFalse();
		assertThat(SlurmNodeParser.usable(List.of("MIXED", "DRAINING"))).isFalse();
		assertThat(SlurmNodeParser.usable(List.of("IDLE*"))).isFalse();
		assertThat(SlurmNodeParser.usable(List.of("idle", "NOT_RESPONDING"))).isFalse();
	}

	@Test
	void sinfoJsonOfNewerSlurmWithStateLists() {
		String json = "{\"nodes\":[{\"name\":\"n1\",\"cpus\":192,\"real_memory\":786432,\"gres\":\"gpu:h100:4(S:0-1)\","
				+ "\"state\":[\"IDLE\",\"DRAIN\"],\"partitions\":[\"interactive\"]}]}";
		assertThat(SlurmNodeParser.parseSinfoJson(json, null, DEFAULTS)).singleElement().satisfies((node) -> {
			assertThat(node.capacity().gpus()).isEqualTo(4);
			assertThat(node.state()).isEqualTo("IDLE+DRAIN");
			assertThat(node.usable()).isFalse();
		});
	}

	@Test
	void rejectsOtherText() {
		assertThatIllegalArgumentException().isThrownBy(() -> SlurmNodeParser.parseSinfoJson("sinfo: error", null, DEFAULTS));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SlurmNodeParser.parseScontrolShowNode("slurm_load_node error", null, DEFAULTS));
	}
}
