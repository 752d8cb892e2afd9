package org.portico.spawner.placement;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link PbsNodeParser} over a published {@code pbsnodes -a -F json} sample of PBS Professional 2022.1.1
 * (ALCF Polaris; repository jtchilders/python_tools, pbs/pbsnodes.py, commit
 * 493472eff62b551877f6c59541b2b02ab37b523a). No PBS server runs on the test machines.
 */
class PbsNodeParserTests {

	private static final CapacityDefaults DEFAULTS = new CapacityDefaults(0, 40960);

	@Test
	void readsEveryNodeWithItsCapacityAndState() {
		List<NodeReport> nodes = PbsNodeParser.parse(Fixtures.read("pbs-pbsnodes-a-F-json.json"), null, DEFAULTS);
		assertThat(nodes).extracting((node) -> node.capacity().name())
			.containsExactly("x3006c0s13b1n0", "x3008c0s37b1n0", "x3009c0s19b0n0");
		// 527672488 kb = 515305 MiB (PBS kb are KiB)
		assertThat(nodes.get(0).capacity()).isEqualTo(new NodeCapacity("x3006c0s13b1n0", 64, 515305, 0, 4, 40960));
		assertThat(nodes).extracting(NodeReport::state).containsExactly("free", "job-exclusive", "down");
		assertThat(nodes).extracting(NodeReport::usable).containsExactly(true, true, false);
		assertThat(NodeReport.usable(nodes)).hasSize(2);
	}

	@Test
	void sizesAreBinary() {
		assertThat(PbsNodeParser.memoryMiB("527672488kb")).isEqualTo(515305);
		assertThat(PbsNodeParser.memoryMiB("514260mb")).isEqualTo(514260);
		assertThat(PbsNodeParser.memoryMiB("768gb")).isEqualTo(786432);
		assertThat(PbsNodeParser.memoryMiB("0b")).isZero();
		assertThatIllegalArgumentException().isThrownBy(() -> PbsNodeParser.memoryMiB("lots"));
	}

	@Test
	void statesWithSeveralWords() {
		assertThat(PbsNodeParser.usable("free")).isTrue();
		assertThat(PbsNodeParser.usable("job-busy")).isTrue();
		assertThat(PbsNodeParser.usable("down,offline")).isFalse();
		assertThat(PbsNodeParser.usable("state-unknown,down")).isFalse();
	}

	@Test
	void filtersByQlistWhenNodesHaveOne() {
		String json = "{\"nodes\":{\"g1\":{\"state\":\"free\",\"resources_available\":{\"ncpus\":64,\"ngpus\":4,\"mem\":\"64gb\",\"Qlist\":\"gpuq\"}},"
				+ "\"c1\":{\"state\":\"free\",\"resources_available\":{\"ncpus\":128,\"mem\":\"256gb\",\"Qlist\":\"workq\"}}}}";
		assertThat(PbsNodeParser.parse(json, "gpuq", DEFAULTS)).extracting((node) -> node.capacity().name())
			.containsExactly("g1");
	}

	@Test
	void rejectsOtherText() {
		assertThatIllegalArgumentException().isThrownBy(() -> PbsNodeParser.parse("pbsnodes: Server has no node list", null,
				DEFAULTS));
	}
}
