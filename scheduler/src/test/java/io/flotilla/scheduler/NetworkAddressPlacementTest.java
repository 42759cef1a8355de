package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A task never runs without its address: on an exhausted subnet it stays pending with a reason
 * {@code service ps} shows, and it is placed once a task on the network ends and frees one.
 */
class NetworkAddressPlacementTest {
    private final ClusterSimulation sim = new ClusterSimulation();

    @Test
    void aTaskWithoutAnAddressStaysPendingWithTheReasonUntilOneIsFree() {
        sim.addNode("n1");
        // a /29 in dnsrr mode (no virtual address): the gateway .1 aside, five addresses, .2 to .6
        sim.apply(new Command.CreateNetwork("net1", new NetworkSpec("small", null, false, true, Map.of(),
                "10.7.0.0/29", null), sim.now));
        ServiceSpec plain = Specs.replicated("web", 6);
        ServiceSpec spec = new ServiceSpec(plain.name(), null, null, 6, plain.task().withNetworks(
                List.of(new NetworkAttachment("small")), null), List.of(), List.of(), Map.of(), null, null,
                ServiceSpec.DNSRR);
        String id = sim.createService(spec);
        sim.converge();
        List<Task> active = sim.active(id);
        assertThat(active).filteredOn(t -> t.state() == TaskState.RUNNING).hasSize(5);
        Task waiting = active.stream().filter(t -> t.state() == TaskState.PENDING).findFirst().orElseThrow();
        assertThat(waiting.status().error()).isEqualTo(
                "no free address on network small (subnet 10.7.0.0/29): waiting for a task on it to end");

        assertThat(sim.state.networks().nodeAddresses("n1")).as("the node waits for its own too").isEmpty();

        sim.fail(sim.activeInSlot(id, 1), 1);
        sim.advance(java.time.Duration.ofMinutes(5)); // past the restart backoff
        sim.converge();
        assertThat(sim.state.networks().nodeAddresses("n1")).as("a waiting node is served first")
                .containsExactly(Map.entry("small", "10.7.0.2"));
        assertThat(sim.state.task(waiting.id()).orElseThrow().state()).isEqualTo(TaskState.PENDING);

        sim.scale(id, 3);
        sim.converge();
        assertThat(sim.active(id)).hasSize(3).allMatch(t -> t.state() == TaskState.RUNNING)
                .allMatch(t -> sim.state.networks().missingAddress(t) == null);
    }
}
