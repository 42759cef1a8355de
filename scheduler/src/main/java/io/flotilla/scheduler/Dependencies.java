package io.flotilla.scheduler;

import io.flotilla.model.DependencySpec;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Node;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * depends_on, for the scheduler: a task is placed only once each dependency has a task that
 * satisfies its condition, and it is then given the dependencies' addresses as environment
 * ({@code <SHORT>_HOST}, {@code <SHORT>_PORT}, {@code <SHORT>_PORT_<NAME>}).
 *
 * <ul>
 *   <li>{@code service_started}: a task RUNNING.</li>
 *   <li>{@code service_healthy}: a task RUNNING and healthy, or RUNNING with no health reported and
 *       no (enabled) healthcheck in its spec.</li>
 *   <li>{@code service_completed_successfully}: a task COMPLETE with exit code 0 (or none reported).
 *       It has no address any more, so it adds no environment.</li>
 *   <li>A dependency that does not exist keeps the task pending, unless {@code required: false}.</li>
 * </ul>
 * Among several satisfying tasks, replica {@code n} of the dependent gets candidate
 * {@code n mod count} (candidates sorted by slot, node, id): deterministic, and spread so that the
 * web replicas do not all call the same backend. Results are cached per dependent service for
 * one {@code place()} call.
 */
final class Dependencies {
    private final ClusterState state;
    private final Map<String, Resolution> cache = new HashMap<>();

    Dependencies(ClusterState state) {
        this.state = state;
    }

    /** Either {@code waitingReason} is set, or every dependency is met and listed in {@code met}. */
    record Resolution(String waitingReason, List<Met> met) {}

    record Met(String envPrefix, Service service, List<Task> candidates, boolean addressable) {}

    Resolution resolve(Service dependent) {
        return cache.computeIfAbsent(dependent.id(), id -> compute(dependent));
    }

    private Resolution compute(Service dependent) {
        List<Met> met = new ArrayList<>();
        for (DependencySpec dependency : dependent.spec().dependsOn()) {
            String name = dependent.spec().stack() == null ? dependency.service()
                    : dependent.spec().stack() + "_" + dependency.service();
            Service service = state.serviceByName(name).orElse(null);
            if (service == null) {
                if (!dependency.required()) {
                    continue;
                }
                return new Resolution("waiting for dependency " + name + " (service not found)", List.of());
            }
            List<Task> candidates = new ArrayList<>();
            for (Task task : state.tasksOfService(service.id())) {
                if (satisfies(task, dependency.condition())) {
                    candidates.add(task);
                }
            }
            if (candidates.isEmpty()) {
                return new Resolution("waiting for dependency " + name + " (" + missing(dependency.condition()) + ")",
                        List.of());
            }
            candidates.sort(Comparator.comparingInt(Task::slot)
                    .thenComparing(t -> t.nodeId() == null ? "" : t.nodeId())
                    .thenComparing(Task::id));
            met.add(new Met(envPrefix(dependency.service()), service, candidates,
                    !DependencySpec.COMPLETED.equals(dependency.condition())));
        }
        return new Resolution(null, met);
    }

    static boolean satisfies(Task task, String condition) {
        return switch (condition) {
            case DependencySpec.COMPLETED -> task.state() == TaskState.COMPLETE
                    && (task.status().exitCode() == null || task.status().exitCode() == 0);
            case DependencySpec.HEALTHY -> task.state() == TaskState.RUNNING && isHealthy(task);
            default -> task.state() == TaskState.RUNNING;
        };
    }

    private static boolean isHealthy(Task task) {
        String health = task.status().health();
        if (health == null) {
            HealthcheckSpec check = task.spec().healthcheck();
            return check == null || check.disabled();
        }
        return "healthy".equals(health);
    }

    private static String missing(String condition) {
        return switch (condition) {
            case DependencySpec.COMPLETED -> "no successfully completed task yet";
            case DependencySpec.HEALTHY -> "no healthy task yet";
            default -> "no running task yet";
        };
    }

    /** {@code shop-db.v2} → {@code SHOP_DB_V2}. */
    static String envPrefix(String shortName) {
        String upper = shortName.toUpperCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(upper.length());
        for (int i = 0; i < upper.length(); i++) {
            char c = upper.charAt(i);
            out.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return out.toString();
    }

    /** The environment for {@code task}: the chosen candidate of each met dependency. */
    Map<String, String> environment(Resolution resolution, Task task) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Met met : resolution.met()) {
            if (!met.addressable()) {
                continue;
            }
            int pick = task.slot() > 0 ? task.slot() : (task.nodeId() == null ? 0 : task.nodeId().hashCode());
            Task chosen = met.candidates().get(Math.floorMod(pick, met.candidates().size()));
            Node node = chosen.nodeId() == null ? null : state.node(chosen.nodeId()).orElse(null);
            if (node != null && node.status().address() != null) {
                env.put(met.envPrefix() + "_HOST", node.status().address());
            }
            List<PortSpec> ports = met.service().spec().ports();
            Map<String, Integer> hostPorts = chosen.status().hostPorts();
            if (!ports.isEmpty() && hostPorts.containsKey(ports.getFirst().name())) {
                env.put(met.envPrefix() + "_PORT", Integer.toString(hostPorts.get(ports.getFirst().name())));
            }
            for (PortSpec port : ports) {
                Integer hostPort = hostPorts.get(port.name());
                if (hostPort != null) {
                    env.put(met.envPrefix() + "_PORT_" + envPrefix(port.name()), Integer.toString(hostPort));
                }
            }
        }
        return env;
    }
}
