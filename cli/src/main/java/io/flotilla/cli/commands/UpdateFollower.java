package io.flotilla.cli.commands;

import io.flotilla.cli.StateReads;
import io.flotilla.client.ApiClient;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.ServiceUpdateStatus.State;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.StateSnapshot;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;

/**
 * Follows a service's rolling update, rollback or rebalance through the state long poll, printing
 * a line whenever progress changes (one per batch), until the update completes, pauses or rolls
 * back. The exit code says how it ended: 0 completed, 1 paused or rolled back.
 */
final class UpdateFollower {
    private final ApiClient api;
    private final PrintStream out;

    UpdateFollower(ApiClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /**
     * Follows the update of {@code serviceId} that started after {@code afterIndex}.
     *
     * @param rollbackWanted true for {@code service rollback}: ending rolled back is success then
     */
    int follow(String serviceId, long afterIndex, boolean rollbackWanted) {
        String lastLine = null;
        long index = afterIndex - 1;
        while (true) {
            StateSnapshot state = StateReads.awaitState(api, index, Duration.ofSeconds(5));
            index = state.index();
            Service service = state.services().stream().filter(s -> s.id().equals(serviceId)).findFirst().orElse(null);
            if (service == null) {
                out.println("service removed");
                return 1;
            }
            ServiceUpdateStatus status = service.updateStatus();
            String line = progress(state, service);
            if (!Objects.equals(line, lastLine)) {
                out.println(line);
                lastLine = line;
            }
            if (status == null) {
                return 0;
            }
            switch (status.state()) {
                case COMPLETED -> {
                    out.println("update completed");
                    return 0;
                }
                case ROLLBACK_COMPLETED -> {
                    out.println(status.message());
                    return rollbackWanted ? 0 : 1;
                }
                case PAUSED, ROLLBACK_PAUSED -> {
                    out.println(status.message());
                    return 1;
                }
                case UPDATING, ROLLBACK_STARTED -> { }
            }
        }
    }

    /** Follows a rebalance until the request is cleared (nothing left to move). */
    int followRebalance(String serviceId, long afterIndex) {
        String lastLine = null;
        long index = afterIndex - 1;
        while (true) {
            StateSnapshot state = StateReads.awaitState(api, index, Duration.ofSeconds(5));
            index = state.index();
            Service service = state.services().stream().filter(s -> s.id().equals(serviceId)).findFirst().orElse(null);
            if (service == null) {
                return 1;
            }
            String line = placement(state, service);
            if (!Objects.equals(line, lastLine)) {
                out.println(line);
                lastLine = line;
            }
            if (service.rebalanceRequestedAt() == null) {
                out.println("rebalance done");
                return 0;
            }
        }
    }

    static String progress(StateSnapshot state, Service service) {
        long updated = state.tasks().stream().filter(t -> t.serviceId().equals(service.id()))
                .filter(t -> t.desiredState() == TaskState.RUNNING && isReady(t)
                        && t.spec().equals(service.spec().task())).count();
        long wanted = service.spec().mode() == io.flotilla.model.ServiceMode.GLOBAL
                ? state.tasks().stream().filter(t -> t.serviceId().equals(service.id())
                && t.desiredState() == TaskState.RUNNING).count()
                : service.spec().replicas();
        State phase = service.updateStatus() == null ? State.COMPLETED : service.updateStatus().state();
        return "version " + service.version() + " " + phase.displayName() + ": " + updated + "/" + wanted
                + " tasks running the " + (phase.rollback() ? "previous" : "new") + " spec";
    }

    static String placement(StateSnapshot state, Service service) {
        java.util.Map<String, Long> perNode = new java.util.TreeMap<>();
        state.tasks().stream().filter(t -> t.serviceId().equals(service.id()) && t.state() == TaskState.RUNNING
                        && t.desiredState() == TaskState.RUNNING && t.nodeId() != null)
                .forEach(t -> perNode.merge(t.nodeId(), 1L, Long::sum));
        return "running per node: " + perNode;
    }

    private static boolean isReady(Task task) {
        return task.state() == TaskState.RUNNING
                && (task.status().health() == null || "healthy".equals(task.status().health()));
    }
}
