package org.portico.spawner.placement;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@link SgeNodeParser} over output captured from Son of Grid Engine 8.1.9 (see the fixtures' README). */
class SgeNodeParserTests {

	private static final CapacityDefaults DEFAULTS = new CapacityDefaults(2048, 16384);

	@Test
	void qhostWithResourcesGivesGpus() {
		List<NodeReport> nodes = SgeNodeParser.parse(Fixtures.read("sge-qhost-F.xml"), "gpu", DEFAULTS);
		// 23.5G = 24064 MiB; swap_total 0.0 is reported, so the default does not apply.
		assertThat(nodes).singleElement().satisfies((node) -> {
			assertThat(node.capacity()).isEqualTo(new NodeCapacity("localhost", 2, 24064, 0, 2, 16384));
			assertThat(node.usable()).isTrue();
		});
	}

	@Test
	void plainQhostHasNoGpuCount() {
		assertThat(SgeNodeParser.parse(Fixtures.read("sge-qhost.xml"), "gpu", DEFAULTS)).singleElement()
			.satisfies((node) -> assertThat(node.capacity().gpus()).isZero());
	}

	@Test
	void withAQueueTheCoresAreTheInstancesSlots() {
		// qhost -q -F gpu -xml of the loopback cell: all.q@localhost has 16 slots on a 2-core host
		List<NodeReport> nodes = SgeNodeParser.parse(Fixtures.read("sge-qhost-q-F-gpu.xml"), "gpu", "all.q", DEFAULTS);
		assertThat(nodes).singleElement().satisfies((node) -> {
			assertThat(node.capacity()).isEqualTo(new NodeCapacity("localhost", 16, 24064, 0, 2, 16384));
			assertThat(node.usable()).isTrue();
			assertThat(node.partitions()).containsExactly("all.q");
		});
	}

	@Test
	void aDisabledQueueInstanceIsNotUsable() {
		// the same after qmod -d all.q@localhost: state_string d
		List<NodeReport> nodes = SgeNodeParser.parse(Fixtures.read("sge-qhost-q-F-gpu-disabled.xml"), "gpu", "all.q",
				DEFAULTS);
		assertThat(nodes).singleElement().satisfies((node) -> {
			assertThat(node.usable()).isFalse();
			assertThat(node.state()).isEqualTo("queue all.q@localhost state d");
		});
		assertThat(SgeNodeParser.parse(Fixtures.read("sge-qhost-q-F-gpu-disabled.xml"), "gpu", DEFAULTS)).singleElement()
			.satisfies((node) -> {
				assertThat(node.usable()).as("no open queue instance on the host").isFalse();
				assertThat(node.capacity().cores()).as("num_proc without a queue").isEqualTo(2);
			});
	}

	@Test
	void aQueueTheHostHasNotLeavesItOut() {
		assertThat(SgeNodeParser.parse(Fixtures.read("sge-qhost-q-F-gpu.xml"), "gpu", "gpu.q", DEFAULTS)).isEmpty();
	}

	@Test
	void aHostThatDoesNotReportIsNotUsable() {
		String xml = "<?xml version='1.0'?><qhost><host name='n7'><hostvalue name='num_proc'>-</hostvalue>"
				+ "<hostvalue name='mem_total'>-</hostvalue><hostvalue name='swap_total'>-</hostvalue></host></qhost>";
		assertThat(SgeNodeParser.parse(xml, "gpu", DEFAULTS)).singleElement()
			.satisfies((node) -> assertThat(node.usable()).isFalse());
	}

	@Test
	void sizes() {
		assertThat(SgeNodeParser.sizeMiB("23.5G")).isEqualTo(24064);
		assertThat(SgeNodeParser.sizeMiB("512M")).isEqualTo(512);
		assertThat(SgeNodeParser.sizeMiB("1.5T")).isEqualTo(1572864);
		assertThat(SgeNodeParser.sizeMiB("0.0")).isZero();
	}

	@Test
	void refusesDoctypes() {
		String xml = "<?xml version='1.0'?><!DOCTYPE qhost [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><qhost>&x;</qhost>";
		assertThatIllegalArgumentException().isThrownBy(() -> SgeNodeParser.parse(xml, "gpu", DEFAULTS));
	}
}
