package io.flotilla.agent;

import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Task;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A manager in memory: serves the assignment set the test sets, answers long polls when it
 * changes, records hellos and reports, and can be "down" (every call fails).
 */
final class FakeManagerChannel implements ManagerChannel {
    private final String nodeId;
    private final List<AgentHello> hellos = new CopyOnWriteArrayList<>();
    private final List<StatusReport> reports = new CopyOnWriteArrayList<>();
    private long index = 1;
    private List<Task> tasks = List.of();
    private java.util.Map<String, Assignment> assignments = java.util.Map.of();
    private java.util.Map<String, List<String>> dependencies = java.util.Map.of();
    private boolean down;
    private boolean losing;
    private final List<StatusReport> lost = new CopyOnWriteArrayList<>();
    private io.flotilla.model.api.NodeSession session;
    private ManagerRefusedException refusal;

    FakeManagerChannel(String nodeId) {
        this.nodeId = nodeId;
    }

    synchronized void assign(Task... newTasks) {
        assign(java.util.Map.of(), newTasks);
    }

    /** Assigns the tasks, each wired as {@code wired} says (by task id; a task not in it has {@link Assignment#NONE}). */
    synchronized void assign(java.util.Map<String, Assignment> wired, Task... newTasks) {
        tasks = List.of(newTasks);
        assignments = java.util.Map.copyOf(wired);
        index++;
        notifyAll();
    }

    /** The endpoints of the services the tasks depend on, as the manager would send them. */
    synchronized void dependencies(java.util.Map<String, List<String>> newDependencies) {
        dependencies = java.util.Map.copyOf(newDependencies);
        index++;
        notifyAll();
    }

    /** The session part every answer carries from now on. */
    synchronized void session(io.flotilla.model.api.NodeSession newSession) {
        session = newSession;
        index++;
        notifyAll();
    }

    /** Every call fails with {@code refused} (null: answers again). */
    synchronized void refuse(ManagerRefusedException refused) {
        refusal = refused;
        notifyAll();
    }

    synchronized void setDown(boolean isDown) {
        down = isDown;
        notifyAll();
    }

    /** Reports are answered but neither applied nor recorded (kept in {@link #lost}): a leader that died before committing them. */
    synchronized void losing(boolean isLosing) {
        losing = isLosing;
    }

    List<StatusReport> lost() {
        return List.copyOf(lost);
    }

    /** The task as the manager holds it now, with the statuses it applied. */
    synchronized Optional<Task> task(String taskId) {
        return tasks.stream().filter(task -> task.id().equals(taskId)).findFirst();
    }

    List<AgentHello> hellos() {
        return List.copyOf(hellos);
    }

    List<StatusReport> reports() {
        return List.copyOf(reports);
    }

    /** Every status reported for the task, oldest first. */
    List<TaskStatus> statuses(String taskId) {
        List<TaskStatus> statuses = new ArrayList<>();
        for (StatusReport report : reports) {
            for (TaskStatusUpdate update : report.updates()) {
                if (update.taskId().equals(taskId)) {
                    statuses.add(update.status());
                }
            }
        }
        return statuses;
    }

    Optional<TaskStatus> latest(String taskId) {
        List<TaskStatus> statuses = statuses(taskId);
        return statuses.isEmpty() ? Optional.empty() : Optional.of(statuses.getLast());
    }

    @Override
    public synchronized AssignmentSet hello(AgentHello hello) throws IOException {
        failIfDown();
        hellos.add(hello);
        return current();
    }

    @Override
    public synchronized AssignmentSet assignments(String node, long afterIndex, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (index <= afterIndex && !down && refusal == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
        failIfDown();
        return current();
    }

    /** The lease every answer grants (0: none, as an older manager). */
    volatile long leaseMillis = 5_000L;

    @Override
    public StatusReportResponse report(StatusReport report) throws IOException {
        synchronized (this) {
            failIfDown();
            if (losing) {
                lost.add(report);
                return new StatusReportResponse(leaseMillis);
            }
        }
        reports.add(report);
        synchronized (this) {
            // Like the manager: apply the statuses, and leave tasks known to have ended out of the set.
            List<Task> updated = new ArrayList<>();
            for (Task task : tasks) {
                Task current = task;
                for (TaskStatusUpdate update : report.updates()) {
                    if (update.taskId().equals(task.id()) && task.state().canMoveTo(update.status().state())) {
                        current = current.withStatus(update.status());
                    }
                }
                if (!current.state().isTerminal()) {
                    updated.add(current);
                }
            }
            tasks = List.copyOf(updated);
        }
        return new StatusReportResponse(leaseMillis);
    }

    @Override
    public void close() {}

    private AssignmentSet current() {
        return new AssignmentSet(index, nodeId, tasks, assignments, dependencies, session);
    }

    private void failIfDown() throws IOException {
        if (refusal != null) {
            throw refusal;
        }
        if (down) {
            throw new IOException("manager down (fake)");
        }
    }
}
