package io.flotilla.cli;

import io.flotilla.client.ApiClient;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.Progress.ServiceProgress;
import io.flotilla.model.api.Progress.TaskNote;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches a stack until every service runs its desired count of up-to-date tasks, printing one
 * line per service whenever its progress changes (long polls on {@code GET /v1/progress}, which
 * answers when the stack's progress changes: no busy loop).
 */
public final class Convergence {
    private final ApiClient api;
    private final PrintStream out;

    public Convergence(ApiClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /** Progress of one service: running up-to-date tasks, the desired count, and why not more. */
    public record Line(String service, int running, int desired, String reason) {
        public boolean done() {
            return running == desired;
        }

        String text() {
            return service + ": " + running + "/" + desired + " running" + (done() || reason == null ? "" : " (" + reason + ")");
        }
    }

    /** Returns true once converged; false when {@code timeout} passes first. */
    public boolean await(String stack, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, String> printed = new HashMap<>();
        long index = -1;
        while (true) {
            Progress progress = index < 0 ? api.stackProgress(List.of(stack))
                    : api.stackProgress(List.of(stack), index, Duration.ofSeconds(2));
            index = progress.index();
            List<Line> lines = lines(progress);
            for (Line line : lines) {
                String text = line.text();
                if (!text.equals(printed.put(line.service(), text))) {
                    out.println(text);
                }
            }
            if (!lines.isEmpty() && lines.stream().allMatch(Line::done)) {
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
    static String waitingFor(TaskNote task) {
        if (task.state() == TaskState.RUNNING) {
            return "health: " + task.health();
        }
        String message = task.message();
        boolean informative = message != null && !message.isBlank() && !message.equalsIgnoreCase(task.state().displayName());
        return task.state().displayName() + (informative && task.state().compareTo(TaskState.ASSIGNED) > 0 ? ": " + message : "");
    }

    /** One line per service, by name (the server's order). */
    public static List<Line> lines(Progress progress) {
        return progress.services().stream().map(Convergence::line).toList();
    }

    static Line line(ServiceProgress service) {
        String reason = service.failed() != null ? service.failed().state().displayName() + ": " + service.failed().error()
                : service.waiting() != null ? waitingFor(service.waiting()) : null;
        return new Line(service.name(), service.current(), service.desired(), reason);
    }
}
