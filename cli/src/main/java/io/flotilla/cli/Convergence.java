package io.flotilla.cli;

import io.flotilla.client.ApiClient;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.StateSnapshot;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Watches a stack until every service runs its desired count of up-to-date tasks, printing one
 * line per service whenever its progress changes (long polls on the state index: no busy loop).
 */
public final class Convergence {
    private final ApiClient api;
    private final PrintStream out;

    public Convergence(ApiClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /** Progress of one service: running up-to-date tasks, the desired count, and why not more. */
    public record Progress(String service, int running, int desired, String reason) {
        public boolean done() {
            return running == desired;
        }

        String line() {
            return service + ": " + running + "/" + desired + " running" + (done() || reason == null ? "" : " (" + reason + ")");
        }
    }

    /** Returns true once converged; false when {@code timeout} passes first. */
    public boolean await(String stack, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, String> printed = new HashMap<>();
        long index = 0;
        while (true) {
            StateSnapshot state = index == 0 ? StateReads.state(api) : StateReads.awaitState(api, index, Duration.ofSeconds(2));
            index = state.index();
            List<Progress> progress = progress(state, stack);
            for (Progress p : progress) {
                String line = p.line();
                if (!line.equals(printed.put(p.service(), line))) {
                    out.println(line);
                }
            }
            if (!progress.isEmpty() && progress.stream().allMatch(Progress::done)) {
                return true;
            }
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
        }
    }

    /** Running, and healthy if it has a healthcheck: a task still starting its check is not up yet. */
    public static boolean isUp(Task task) {
        return task.state() == TaskState.RUNNING && (task.status().health() == null || "healthy".equals(task.status().health()));
    }

    /** What a task not yet up is doing: its health, or its state with the agent's message (e.g. pull progress). */
    private static String waitingFor(Task task) {
        if (task.state() == TaskState.RUNNING) {
            return "health: " + task.status().health();
        }
        String message = task.status().message();
        boolean informative = message != null && !message.isBlank() && !message.equalsIgnoreCase(task.state().displayName());
        return task.state().displayName() + (informative && task.state().compareTo(TaskState.ASSIGNED) > 0 ? ": " + message : "");
    }

    public static List<Progress> progress(StateSnapshot state, String stack) {
        return state.services().stream().filter(s -> stack.equals(s.spec().stack()))
                .sorted(Comparator.comparing(s -> s.spec().name()))
                .map(s -> progress(state, s)).toList();
    }

    static Progress progress(StateSnapshot state, Service service) {
        List<Task> tasks = state.tasks().stream().filter(t -> t.serviceId().equals(service.id())).toList();
        int running = (int) tasks.stream().filter(t -> t.desiredState() == TaskState.RUNNING
                && isUp(t) && t.serviceVersion() == service.version()).count();
        int desired = service.spec().mode() == ServiceMode.GLOBAL
                ? (int) tasks.stream().filter(t -> t.desiredState() == TaskState.RUNNING).map(Task::nodeId)
                        .filter(Objects::nonNull).distinct().count()
                : service.spec().replicas();
        Optional<Task> blocked = tasks.stream()
                .filter(t -> t.status().error() != null && (t.desiredState() == TaskState.RUNNING || t.state().isTerminal()))
                .max(Comparator.comparing(t -> t.status().timestamp()));
        String reason = blocked.map(t -> t.state().displayName() + ": " + t.status().error()).orElseGet(() ->
                tasks.stream().filter(t -> t.desiredState() == TaskState.RUNNING && !isUp(t))
                        .map(Convergence::waitingFor)
                        .findFirst().orElse(null));
        return new Progress(service.spec().name(), running, desired, reason);
    }
}
