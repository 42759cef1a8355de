package io.flotilla.model.api;

import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * How far a stack's or a service's deploy, update, scale, rollback or rebalance has come
 * ({@code GET /v1/progress}): what the CLI prints while it follows one, without the whole state.
 *
 * @param index     the state index this answer was computed at (the next long poll's {@code index})
 * @param services  the services asked for, by name; empty when none exists (a removed service)
 * @param tasksLeft tasks of the stacks asked for that have not ended, removed services' included
 *                  (what {@code stack rm} waits for); for a service, its tasks that have not ended
 */
public record Progress(long index, List<ServiceProgress> services, int tasksLeft) {
    public Progress {
        services = services == null ? List.of() : List.copyOf(services);
    }

    /** The same progress, whatever the index (a long poll answers when this changes). */
    public boolean sameAs(Progress other) {
        return other != null && tasksLeft == other.tasksLeft && services.equals(other.services);
    }

    /**
     * One service. A task is <em>up</em> when it runs and is healthy, or has no health check.
     *
     * @param desired        the replicas; for a global service, the nodes holding a task wanted running
     * @param running        tasks running and wanted running (as {@code service ls})
     * @param up             tasks wanted running and up
     * @param current        of those, the tasks of the service's current version (what a deploy waits for)
     * @param updated        of those, the tasks running the current task template (an update's or a
     *                       rollback's progress: a rollback's restored template counts whatever its version)
     * @param wanted         tasks wanted running (a global service's update target)
     * @param updateStatus   the update or rollback under way or last ended; null if never updated
     * @param rebalanceRequestedAt set while a rebalance is requested and not done
     * @param runningPerNode node id → tasks running and wanted running there
     * @param failed         the task of the service that failed last, while it is wanted running or ended; null if none
     * @param waiting        the first task (slot order, newest first) wanted running and not up; null if none
     */
    public record ServiceProgress(String id, String name, String stack, ServiceMode mode, long version, int desired,
                                  int running, int up, int current, int updated, int wanted,
                                  ServiceUpdateStatus updateStatus, Instant rebalanceRequestedAt,
                                  Map<String, Integer> runningPerNode, TaskNote failed, TaskNote waiting) {
        public ServiceProgress {
            runningPerNode = runningPerNode == null ? Map.of() : Map.copyOf(runningPerNode);
        }
    }

    /** A task that holds a service back, with what its status says. */
    public record TaskNote(String id, String name, TaskState state, String message, String error, String health) {}
}
