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
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A micro-check, not a benchmark: prints how long place() and reconcile() take at 10,000 × 1,000. */
class PlacementScaleTest {
    @Test
    void placesTenThousandTasksOnAThousandNodes() {
        Instant now = ClusterSimulation.T0;
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            nodes.add(new Node(String.format("node-%04d", i), new NodeSpec(NodeRole.WORKER, NodeAvailability.ACTIVE,
                    Map.of("zone", "z" + (i % 3))), new NodeStatus(NodeState.READY, "h" + i, "10.0." + (i / 250) + "." + (i % 250),
                    new Resources(16_000_000_000L, 64L << 30, 0), Set.of("process"), now, null)));
        }
        List<Service> services = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            ServiceSpec spec = Specs.reserve(Specs.replicated("svc" + s, 1000), new Resources(100_000_000L, 256L << 20, 0));
            if (s % 2 == 0) {
                spec = Specs.placement(spec, List.of("node.labels.zone!=z2"), s == 0 ? List.of("node.labels.zone") : List.of(), null);
            }
            services.add(Service.created("s" + s, spec, now));
        }
        ClusterState state = ClusterState.of(1, services, List.of(), nodes);
        int[] ids = {0};
        Orchestrator orchestrator = new Orchestrator(() -> "t" + (ids[0]++));
        long start = System.nanoTime();
        List<Command> created = orchestrator.reconcile(state, now);
        long reconcileMillis = (System.nanoTime() - start) / 1_000_000;
        List<Task> tasks = ((Command.CreateTasks) created.getFirst()).tasks();
        state = ClusterState.of(2, services, tasks, nodes);

        Scheduler scheduler = new Scheduler();
        scheduler.place(state, now); // warm-up
        start = System.nanoTime();
        List<Command> placed = scheduler.place(state, now);
        long placeMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("reconcile: %d tasks created in %d ms; place: %d tasks × %d nodes in %d ms%n",
                tasks.size(), reconcileMillis, tasks.size(), nodes.size(), placeMillis);
        assertThat(((Command.AssignTasks) placed.getFirst()).assignments()).hasSize(10_000);
    }
}
