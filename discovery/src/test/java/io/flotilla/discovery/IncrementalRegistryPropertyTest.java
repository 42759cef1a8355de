package io.flotilla.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Endpoint;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The registry recomputes only what a command touched (single tasks, single registrations, whole
 * services only when a spec changed). After any sequence of task, node, service and registration
 * commands, every service's endpoints must equal the pure view recomputed from the whole state
 * ({@link ServiceEndpoints#of}), and a watcher of every change must hold the same. A registry that
 * misses what a command changed (a node's tasks, a registration that moved service, a task of a
 * removed service) fails here.
 */
class IncrementalRegistryPropertyTest {
    private static final List<String> NAMES = List.of("shop_a", "shop_b", "ext");

    record Step(int kind, int a, int b, int c) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 11), Arbitraries.integers().between(0, 20),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 3))
                .as(Step::new).list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 500)
    void incrementalEndpointsEqualTheWholeRecomputation(@ForAll("steps") List<Step> steps) {
        Registries r = new Registries(1_000);
        Map<String, Endpoint> watched = new TreeMap<>();
        r.registry.subscribeAll(-1, start -> start.snapshot().forEach(e -> watched.put(key(e.service(), e.id()), e)), change -> {
            change.removed().forEach(id -> watched.remove(key(change.service(), id)));
            change.upserted().forEach(e -> watched.put(key(change.service(), e.id()), e));
        });
        for (int node = 0; node < 3; node++) {
            r.apply(new Command.UpsertNode(node(node, 1, NodeState.READY)));
        }
        r.apply(new Command.CreateService("s0", spec("shop_a", true, "a"), Registries.T0));
        r.apply(new Command.CreateService("s1", spec("shop_b", false, "a"), Registries.T0));
        List<String> tasks = new ArrayList<>();
        int second = 0;
        for (Step step : steps) {
            second++;
            String task = tasks.isEmpty() ? "none" : tasks.get(step.a() % tasks.size());
            switch (step.kind()) {
                case 0, 1 -> {
                    String id = "t" + tasks.size();
                    String serviceId = "s" + (step.a() % 2);
                    if (r.state.service(serviceId).isEmpty()) {
                        continue;
                    }
                    ServiceSpec spec = r.state.service(serviceId).orElseThrow().spec();
                    r.apply(new Command.CreateTasks(List.of(new Task(id, serviceId, spec.name(), tasks.size() + 1, 1, null,
                            TaskState.RUNNING, TaskStatus.of(TaskState.PENDING, Registries.T0, "pending"), spec.task(),
                            Registries.T0, null, 0, TaskAllocation.NONE))));
                    r.apply(new Command.AssignTasks(List.of(new Command.Assignment(id, "n" + step.b())),
                            Registries.T0));
                    tasks.add(id);
                }
                case 2, 3 -> r.apply(new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate(task,
                        status(step.c(), second)))));
                case 4 -> r.apply(new Command.SetDesiredStates(List.of(new Command.DesiredStateChange(task,
                        TaskState.SHUTDOWN)), Registries.T0));
                case 5 -> r.apply(new Command.DeleteTasks(List.of(task)));
                case 6 -> r.apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("n" + step.b(),
                        step.c() % 2 == 0 ? NodeState.DOWN : NodeState.READY, "x")), Registries.T0));
                case 7 -> r.apply(step.c() == 0 ? new Command.RemoveNode("n" + step.b())
                        : new Command.UpsertNode(node(step.b(), step.c(), NodeState.READY)));
                case 8 -> {
                    String serviceId = "s" + (step.a() % 2);
                    r.state.service(serviceId).ifPresent(service -> r.apply(new Command.UpdateService(serviceId,
                            service.spec().withLabels(Map.of("zone", "z" + step.c())), Registries.T0, false)));
                }
                case 9 -> r.apply(step.c() == 0 ? new Command.RemoveService("s" + (step.a() % 2), Registries.T0)
                        : new Command.CreateService("s" + (step.a() % 2), spec(step.a() % 2 == 0 ? "shop_a" : "shop_b",
                        step.a() % 2 == 0, "a"), Registries.T0));
                case 10 -> r.register(Registries.registration("r" + step.b(), NAMES.get(step.c() % 3),
                        "10.1.0." + step.c(), 9000 + step.a()));
                default -> r.deregister("r" + step.b());
            }
            for (String name : NAMES) {
                assertThat(r.registry.endpoints(name)).as("%s after %s", name, step)
                        .isEqualTo(List.copyOf(ServiceEndpoints.of(r.state, name).values()));
            }
            assertThat(new ArrayList<>(watched.values())).as("watched after %s", step)
                    .isEqualTo(new ArrayList<>(new TreeMap<>(toMap(r.registry.allEndpoints())).values()));
        }
    }

    /** Endpoint ids are unique within a service (a registration may move to another one). */
    private static String key(String service, String id) {
        return service + "/" + id;
    }

    private static Map<String, Endpoint> toMap(List<Endpoint> endpoints) {
        Map<String, Endpoint> map = new TreeMap<>();
        endpoints.forEach(e -> map.put(key(e.service(), e.id()), e));
        return map;
    }

    private static TaskStatus status(int variant, int second) {
        return switch (variant) {
            case 0 -> new TaskStatus(TaskState.RUNNING, Registries.T0.plusSeconds(second), "started", null, null, 1L, null,
                    Map.of("http", 31000 + second), "healthy");
            case 1 -> new TaskStatus(TaskState.RUNNING, Registries.T0.plusSeconds(second), "started", null, null, 1L, null,
                    Map.of("http", 31000), "unhealthy");
            case 2 -> TaskStatus.of(TaskState.RUNNING, Registries.T0.plusSeconds(second), "started");
            default -> TaskStatus.of(TaskState.FAILED, Registries.T0.plusSeconds(second), "exited");
        };
    }

    private static Node node(int number, int address, NodeState state) {
        return new Node("n" + number, new NodeSpec(null, null, Map.of()), new NodeStatus(state, "h" + number,
                "10.0." + number + "." + address, null, Set.of("process"), Registries.T0, null));
    }

    private static ServiceSpec spec(String name, boolean healthcheck, String zone) {
        ServiceSpec spec = ServiceSpec.process(name, 1, List.of("sleep", "1"));
        return new ServiceSpec(name, "shop", null, 1, healthcheck ? spec.task().withHealthcheck(
                new HealthcheckSpec(List.of("CMD", "true"), Duration.ofSeconds(1), null, 3, null, null)) : spec.task(),
                List.of(new PortSpec("http", 8080, null, null, null)), List.of(), Map.of("zone", zone), null, null);
    }
}
