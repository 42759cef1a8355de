package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Resources;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The ranked choice ({@link NodeQueue}, O(log nodes) per task) against the reference scan of
 * every feasible node, on random clusters: nodes down, paused or unmeasured, with labels and
 * resources; services with reservations, constraints, host ports, max replicas per node and
 * sometimes spread preferences; placed in rounds so that nodes start unevenly loaded. Both must
 * emit exactly the same commands, and the result never oversubscribes a node.
 */
class RankedPlacementPropertyTest {
    private static final Instant NOW = ClusterSimulation.T0;

    @Property(tries = 200)
    void rankedChoiceEqualsTheReferenceScan(@ForAll long seed) {
        Random random = new Random(seed);
        List<Node> nodes = new ArrayList<>();
        int nodeCount = 1 + random.nextInt(40);
        for (int i = 0; i < nodeCount; i++) {
            NodeState state = random.nextInt(8) == 0 ? NodeState.DOWN : NodeState.READY;
            NodeAvailability availability = random.nextInt(8) == 0 ? NodeAvailability.PAUSE : NodeAvailability.ACTIVE;
            Resources offered = random.nextInt(5) == 0 ? Resources.NONE
                    : new Resources((1 + random.nextInt(8)) * 1_000_000_000L, (1L + random.nextInt(16)) << 30, 0);
            nodes.add(new Node("n" + i, new NodeSpec(NodeRole.WORKER, availability, Map.of("zone", "z" + random.nextInt(3))),
                    new NodeStatus(state, "h" + i, "10.0.0." + i, offered, Set.of(), NOW, null)));
        }
        ClusterState state = ClusterState.of(1, List.of(), List.of(), nodes);
        int[] ids = {0};
        Orchestrator orchestrator = new Orchestrator(() -> String.format("t%06d", ids[0]++));
        int rounds = 1 + random.nextInt(3);
        long index = 2;
        for (int round = 0; round < rounds; round++) {
            List<Service> services = new ArrayList<>(state.services());
            int added = 1 + random.nextInt(3);
            for (int s = 0; s < added; s++) {
                services.add(Service.created("s" + round + "_" + s, randomSpec(random, "svc" + round + "_" + s), NOW));
            }
            state = ClusterState.of(index++, services, state.tasks(), state.nodes());
            for (Command command : orchestrator.reconcile(state, NOW)) {
                state = StateMachine.apply(state, index++, command);
            }
            List<Command> reference = new Scheduler(false).place(state, NOW);
            List<Command> ranked = new Scheduler(true).place(state, NOW);
            assertThat(ranked).isEqualTo(reference);
            for (Command command : ranked) {
                state = StateMachine.apply(state, index++, command);
            }
            assertNotOversubscribed(state);
        }
    }

    private static ServiceSpec randomSpec(Random random, String name) {
        ServiceSpec spec = Specs.replicated(name, random.nextInt(60));
        if (random.nextBoolean()) {
            spec = Specs.reserve(spec, new Resources(random.nextInt(4) * 500_000_000L, (long) random.nextInt(4) << 30, 0));
        }
        List<String> constraints = random.nextInt(4) == 0 ? List.of("node.labels.zone!=z" + random.nextInt(3)) : List.of();
        List<String> spread = random.nextInt(4) == 0 ? List.of("node.labels.zone") : List.of();
        Integer maxPerNode = random.nextInt(3) == 0 ? 1 + random.nextInt(3) : null;
        spec = Specs.placement(spec, constraints, spread, maxPerNode);
        if (random.nextInt(6) == 0) {
            spec = Specs.hostPort(spec, 8000 + random.nextInt(2));
        }
        return spec;
    }

    private static void assertNotOversubscribed(ClusterState state) {
        for (Node node : state.nodes()) {
            long cpu = 0;
            long memory = 0;
            Map<String, Integer> perService = new HashMap<>();
            for (Task task : state.tasksOfNode(node.id())) {
                if (task.state().compareTo(TaskState.ASSIGNED) >= 0 && !task.state().isTerminal()) {
                    cpu += task.spec().resources().reservations().nanoCpus();
                    memory += task.spec().resources().reservations().memoryBytes();
                    perService.merge(task.serviceId(), 1, Integer::sum);
                }
            }
            Resources offered = node.status().resources();
            if (offered.nanoCpus() > 0) {
                assertThat(cpu).isLessThanOrEqualTo(offered.nanoCpus());
            }
            if (offered.memoryBytes() > 0) {
                assertThat(memory).isLessThanOrEqualTo(offered.memoryBytes());
            }
            perService.forEach((serviceId, count) -> {
                Integer max = state.service(serviceId).orElseThrow().spec().task().placement().maxReplicasPerNode();
                if (max != null && max > 0) {
                    assertThat(count).isLessThanOrEqualTo(max);
                }
            });
        }
    }
}
