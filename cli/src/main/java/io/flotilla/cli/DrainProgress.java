package io.flotilla.cli;

import io.flotilla.client.ApiClient;
import io.flotilla.model.Node;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Follows {@code node update --availability drain} until the node holds no task that still runs:
 * one line per service whose tasks move off the node whenever its count changes (how many are
 * left on the node, how many are up elsewhere and where), then a summary. The task list is read
 * every half second ({@code GET /v1/tasks}): the progress endpoint follows services, not a node.
 */
public final class DrainProgress {
    private static final Duration POLL = Duration.ofMillis(500);

    private final ApiClient api;
    private final PrintStream out;
    private final Node node;
    private final Map<String, String> names = new HashMap<>();
    private final Set<String> services = new LinkedHashSet<>();
    private final Instant start = Instant.now();

    /**
     * Taken before the drain is asked for: the node, and the services it runs tasks of (a task
     * that stops at once would otherwise be gone before the first look, and its service unnamed).
     */
    public DrainProgress(ApiClient api, PrintStream out, String ref) {
        this.api = api;
        this.out = out;
        List<Node> nodes = api.nodes();
        nodes.forEach(n -> names.put(n.id(), Optional.ofNullable(n.status().hostname()).filter(h -> !h.isBlank()).orElse(n.id())));
        this.node = find(nodes, ref).orElse(null);
        if (node != null) {
            services.addAll(servicesOn(node.id(), api.tasks(null)));
        }
    }

    /** One service's move: its tasks still alive on the drained node, and those up elsewhere by node. */
    public record Line(String service, int left, Map<String, Integer> upElsewhere) {
        public String text() {
            int up = upElsewhere.values().stream().mapToInt(Integer::intValue).sum();
            StringBuilder text = new StringBuilder(service).append(": ").append(left).append(" left on the node, ")
                    .append(up).append(" running elsewhere");
            if (!upElsewhere.isEmpty()) {
                List<String> where = new ArrayList<>();
                upElsewhere.forEach((node, count) -> where.add(count + " on " + node));
                text.append(" (").append(String.join(", ", where)).append(')');
            }
            return text.toString();
        }
    }

    /**
     * The lines for {@code services} (those that had tasks on the node), by name. A task is left on
     * the node until its state is terminal; one is up elsewhere when it runs (healthy, if checked)
     * and should. {@code names} turns a node id into what the user knows it by (its hostname).
     */
    public static List<Line> lines(String nodeId, Set<String> services, List<Task> tasks, Map<String, String> names) {
        Map<String, Integer> left = new TreeMap<>();
        Map<String, Map<String, Integer>> elsewhere = new TreeMap<>();
        for (String service : services) {
            left.put(service, 0);
            elsewhere.put(service, new TreeMap<>());
        }
        for (Task task : tasks) {
            if (!services.contains(task.serviceName())) {
                continue;
            }
            if (nodeId.equals(task.nodeId())) {
                if (!task.state().isTerminal()) {
                    left.merge(task.serviceName(), 1, Integer::sum);
                }
            } else if (task.nodeId() != null && task.desiredState() == TaskState.RUNNING && Convergence.isUp(task)) {
                elsewhere.get(task.serviceName()).merge(names.getOrDefault(task.nodeId(), task.nodeId()), 1, Integer::sum);
            }
        }
        return left.keySet().stream().map(s -> new Line(s, left.get(s), elsewhere.get(s))).toList();
    }

    /** The services with a task still alive on the node. */
    public static Set<String> servicesOn(String nodeId, List<Task> tasks) {
        Set<String> services = new TreeSet<>();
        tasks.stream().filter(t -> nodeId.equals(t.nodeId()) && !t.state().isTerminal()).forEach(t -> services.add(t.serviceName()));
        return services;
    }

    /** The summary once the node holds no running task. */
    public static String summary(String node, int services, Duration took) {
        return "Node " + node + " is drained: it runs no task" + (services == 0 ? "" : " (" + services + " service"
                + (services == 1 ? "" : "s") + " moved)") + " after " + took.toMillis() / 100 / 10.0 + " s.";
    }

    /** The node {@code ref} names (its id, an id prefix or its hostname), if any. */
    public static Optional<Node> find(List<Node> nodes, String ref) {
        return nodes.stream().filter(n -> n.id().equals(ref)).findFirst()
                .or(() -> nodes.stream().filter(n -> ref.equals(n.status().hostname())).findFirst())
                .or(() -> nodes.stream().filter(n -> n.id().startsWith(ref)).findFirst());
    }

    /** Prints until the node runs no task; false when {@code timeout} passes first. */
    public boolean await(Duration timeout) throws InterruptedException {
        if (node == null) {
            return true; // the change named it, so it was removed meanwhile: nothing left to follow
        }
        String id = node.id();
        Map<String, String> printed = new HashMap<>();
        while (true) {
            List<Task> tasks = api.tasks(null);
            services.addAll(servicesOn(id, tasks));
            List<Line> lines = lines(id, services, tasks, names);
            for (Line line : lines) {
                if (!line.text().equals(printed.put(line.service(), line.text()))) {
                    out.println(line.text());
                }
            }
            if (lines.stream().allMatch(l -> l.left() == 0)) {
                out.println(summary(names.get(id), services.size(), Duration.between(start, Instant.now())));
                return true;
            }
            if (Instant.now().isAfter(start.plus(timeout))) {
                return false;
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
