package io.flotilla.cli;

import io.flotilla.client.ApiClient;
import io.flotilla.model.Node;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code node rm} did to a node's tasks: removing it orphans every task it still ran, and the
 * orchestrator starts a replacement for each replicated one elsewhere. Prints the orphaned tasks at
 * once, then a line as each replacement is up ({@code shop_web.2: replaced on host-2}). A global
 * service's task is not replaced (it ran for that node). The task list is read every half second.
 */
public final class NodeRemovalProgress {
    private static final Duration POLL = Duration.ofMillis(500);

    private final ApiClient api;
    private final PrintStream out;
    private final String nodeId;
    private final List<Task> before;
    private final Map<String, String> names = new HashMap<>();

    /** Taken before the removal: the node's tasks that still run, which the removal orphans. */
    public NodeRemovalProgress(ApiClient api, PrintStream out, String ref) {
        this.api = api;
        this.out = out;
        List<Node> nodes = api.nodes();
        nodes.forEach(n -> names.put(n.id(), name(n)));
        Optional<Node> node = DrainProgress.find(nodes, ref);
        this.nodeId = node.map(Node::id).orElse(null);
        this.before = nodeId == null ? List.of() : orphans(nodeId, api.tasks(null));
    }

    /** The tasks on {@code nodeId} that a removal orphans: those not yet ended. */
    public static List<Task> orphans(String nodeId, List<Task> tasks) {
        return tasks.stream().filter(t -> nodeId.equals(t.nodeId()) && !t.state().isTerminal()).toList();
    }

    /** The line that lists them, or null when there were none. */
    public static String orphanedLine(List<Task> orphaned) {
        if (orphaned.isEmpty()) {
            return null;
        }
        return "Orphaned " + orphaned.size() + " task" + (orphaned.size() == 1 ? "" : "s") + ": "
                + String.join(", ", orphaned.stream().map(Task::displayName).toList());
    }

    /**
     * For each orphaned replicated task, by its name, the node its replacement is up on (absent
     * while none is); a global one maps to null.
     */
    public static Map<String, String> replacements(String nodeId, List<Task> orphaned, List<Task> tasks, Map<String, String> names) {
        Map<String, String> found = new LinkedHashMap<>();
        for (Task gone : orphaned) {
            if (gone.slot() == 0) {
                found.put(gone.displayName(), null);
                continue;
            }
            tasks.stream().filter(t -> t.serviceName().equals(gone.serviceName()) && t.slot() == gone.slot()
                            && t.nodeId() != null && !t.nodeId().equals(nodeId) && t.desiredState() == TaskState.RUNNING
                            && Convergence.isUp(t))
                    .findFirst().ifPresent(t -> found.put(gone.displayName(), names.getOrDefault(t.nodeId(), t.nodeId())));
        }
        return found;
    }

    /** After the removal: prints the orphans, then (unless {@code detach}) each replacement; false on a timeout. */
    public boolean follow(boolean detach, Duration timeout) throws InterruptedException {
        String line = orphanedLine(before);
        if (line == null) {
            return true;
        }
        out.println(line);
        if (detach) {
            return true;
        }
        Instant deadline = Instant.now().plus(timeout);
        Map<String, String> printed = new HashMap<>();
        while (true) {
            Map<String, String> found = replacements(nodeId, before, api.tasks(null), names);
            found.forEach((task, node) -> {
                if (!printed.containsKey(task)) {
                    printed.put(task, node);
                    out.println(task + (node == null ? ": global, not replaced" : ": replaced on " + node));
                }
            });
            if (printed.size() == before.size()) {
                return true;
            }
            if (Instant.now().isAfter(deadline)) {
                out.println((before.size() - printed.size()) + " task(s) not replaced yet; see `flotilla stack ps`.");
                return false;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private static String name(Node node) {
        String hostname = node.status().hostname();
        return hostname == null || hostname.isBlank() ? node.id() : hostname;
    }
}
