package io.flotilla.agent.runner;

import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The environment a task gets from the services it depends on. The manager names them in the
 * task's {@link Assignment#dependencies()} (prefix → service) and sends their healthy endpoints
 * with the assignment set; per dependency the task gets
 * <ul>
 *   <li>{@code <PREFIX>_ENDPOINTS}: every endpoint, {@code host:port,host:port} (sorted; empty when none);</li>
 *   <li>{@code <PREFIX>_HOST} / {@code <PREFIX>_PORT}: one of them, endpoint {@code slot mod count}
 *       (at start, only where the scheduler did not set them already).</li>
 * </ul>
 * Pure.
 */
public final class DependencyEnvironment {
    private DependencyEnvironment() {}

    /** The part of {@code all} (service → endpoints) a task with this assignment depends on; a service not in it has none. */
    public static Map<String, List<String>> view(Assignment assignment, Map<String, List<String>> all) {
        Map<String, List<String>> view = new LinkedHashMap<>();
        for (String service : assignment.dependencies().values()) {
            view.put(service, all.getOrDefault(service, List.of()));
        }
        return view;
    }

    /**
     * The variables for {@code view}. With {@code override} false, {@code <PREFIX>_HOST}/{@code _PORT}
     * are left out where {@code existing} has them (the scheduler's choice at assignment).
     */
    public static Map<String, String> variables(Task task, Assignment assignment, Map<String, List<String>> view,
                                                Map<String, String> existing, boolean override) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> dependency : assignment.dependencies().entrySet()) {
            String prefix = dependency.getKey();
            List<String> endpoints = view.getOrDefault(dependency.getValue(), List.of());
            env.put(prefix + "_ENDPOINTS", String.join(",", endpoints));
            if (endpoints.isEmpty() || (!override && existing.containsKey(prefix + "_HOST"))) {
                continue;
            }
            int pick = Math.floorMod(task.slot() > 0 ? task.slot() : task.id().hashCode(), endpoints.size());
            String chosen = endpoints.get(pick);
            int colon = chosen.lastIndexOf(':');
            if (colon > 0 && !chosen.endsWith("]")) {
                String host = chosen.substring(0, colon);
                env.put(prefix + "_HOST", host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
                env.put(prefix + "_PORT", chosen.substring(colon + 1));
            } else {
                env.put(prefix + "_HOST", chosen);
            }
        }
        return env;
    }

    /** The dependencies whose endpoints differ between {@code before} and {@code after}. */
    public static List<String> changed(Map<String, List<String>> before, Map<String, List<String>> after) {
        return after.keySet().stream().filter(service -> !after.get(service).equals(before.get(service))).toList();
    }

    /** The prefix of {@code service} for a task with this assignment, or null. */
    public static String prefixOf(Assignment assignment, String service) {
        return assignment.dependencies().entrySet().stream().filter(entry -> entry.getValue().equals(service))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }
}
