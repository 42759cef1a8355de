package io.flotilla.manager.dispatcher;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.discovery.ServiceEndpoints;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.Endpoint;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateStamps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The services a task depends on, for its agent: its service's {@code depends_on} (same stack;
 * not {@code service_completed_successfully}, which leaves no endpoint) and its template's
 * {@code x-flotilla.requires} (full names). Each has the prefix of its environment variables:
 * the short name for depends_on ({@code BACKEND} for {@code backend}, as the scheduler's
 * {@code BACKEND_HOST}), the full name for requires ({@code BILLING_API} for {@code billing_api});
 * upper case, every character other than a letter or digit becomes {@code _}. Pure.
 *
 * <p>The set sent to a node carries these in each task's
 * {@link io.flotilla.model.api.Assignment#dependencies()} (not stored), and the services' healthy
 * endpoints as {@code host:port} strings in {@link io.flotilla.model.api.AssignmentSet#dependencies()}.
 */
public final class TaskDependencies {
    private TaskDependencies() {}

    /** Prefix → full service name, in order (depends_on first, then requires). */
    public static Map<String, String> of(ClusterState state, Task task) {
        Map<String, String> dependencies = new LinkedHashMap<>();
        state.service(task.serviceId()).ifPresent(service -> dependsOn(service)
                .forEach((name, fullName) -> dependencies.putIfAbsent(envPrefix(name), fullName)));
        for (String required : task.spec().discovery().requires()) {
            dependencies.putIfAbsent(envPrefix(required), required);
        }
        return dependencies;
    }

    /**
     * The services {@code service} waits for with {@code depends_on} (all but
     * {@code service_completed_successfully}), in order: name as written → full name in the cluster.
     */
    private static Map<String, String> dependsOn(Service service) {
        String stack = service.spec().stack();
        Map<String, String> names = new LinkedHashMap<>();
        for (DependencySpec dependency : service.spec().dependsOn()) {
            if (!DependencySpec.COMPLETED.equals(dependency.condition())) {
                names.putIfAbsent(dependency.service(), stack == null ? dependency.service() : stack + "_" + dependency.service());
            }
        }
        return names;
    }

    /** The healthy endpoints of {@code service} as sorted {@code host:port} (its first port; {@code host} without ports). */
    static List<String> endpoints(ClusterState state, String serviceName) {
        String firstPort = state.serviceByName(serviceName).map(Service::spec).map(spec -> spec.ports())
                .filter(ports -> !ports.isEmpty()).map(List::getFirst).map(PortSpec::name).orElse(null);
        TreeSet<String> values = new TreeSet<>();
        for (Endpoint endpoint : ServiceEndpoints.of(state, serviceName).values()) {
            Integer port = firstPort != null ? endpoint.ports().get(firstPort) : null;
            if (port == null && !endpoint.ports().isEmpty()) {
                port = endpoint.ports().values().iterator().next();
            }
            values.add(port == null ? endpoint.address() : hostPort(endpoint.address(), port));
        }
        return new ArrayList<>(values);
    }

    private static String hostPort(String address, int port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    /**
     * Wakes a node's poll when a service one of its tasks depends on changed after the poll's index.
     * Per node it keeps the services of its running tasks and what their templates require, while
     * the node's tasks stamp ({@link StateStamps#nodeTasksStamp}) stays: at a million tasks, walking
     * each polling node's 200 tasks on every pass (5,000 polls) was a quarter of the leader's CPU
     * while endpoints changed. The services' own {@code depends_on} is read from the state each time.
     */
    public static AssignmentWatch.DependencyChanges following(EndpointRegistry registry) {
        Map<String, NodeServices> memo = new java.util.concurrent.ConcurrentHashMap<>();
        return (state, nodeId, after) -> {
            if (registry.lastChangeIndex() <= after) {
                return false;
            }
            long stamp = state.stamps().nodeTasksStamp(nodeId);
            NodeServices services = memo.get(nodeId);
            if (services == null || services.stamp() != stamp || stamp == 0) {
                services = NodeServices.of(state, nodeId, stamp);
                memo.put(nodeId, services);
            }
            for (String serviceId : services.serviceIds()) {
                Service service = state.service(serviceId).orElse(null);
                if (service != null && dependsOn(service).values().stream().anyMatch(name -> registry.lastChangeIndex(name) > after)) {
                    return true;
                }
            }
            for (String required : services.requires()) {
                if (registry.lastChangeIndex(required) > after) {
                    return true;
                }
            }
            return false;
        };
    }

    /** The services of a node's tasks that have not ended, and what their templates require, at a tasks stamp. */
    private record NodeServices(long stamp, java.util.Set<String> serviceIds, java.util.Set<String> requires) {
        static NodeServices of(ClusterState state, String nodeId, long stamp) {
            java.util.Set<String> serviceIds = new java.util.HashSet<>();
            java.util.Set<String> requires = new java.util.HashSet<>();
            for (Task task : state.tasksOfNode(nodeId)) {
                if (!task.state().isTerminal()) {
                    serviceIds.add(task.serviceId());
                    requires.addAll(task.spec().discovery().requires());
                }
            }
            return new NodeServices(stamp, java.util.Set.copyOf(serviceIds), java.util.Set.copyOf(requires));
        }
    }

    /** {@code shop-db.v2} → {@code SHOP_DB_V2}. */
    public static String envPrefix(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(upper.length());
        for (int i = 0; i < upper.length(); i++) {
            char c = upper.charAt(i);
            out.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return out.toString();
    }
}
