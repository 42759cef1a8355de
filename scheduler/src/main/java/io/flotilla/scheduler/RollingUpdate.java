package io.flotilla.scheduler;

import io.flotilla.model.Service;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.ServiceUpdateStatus.State;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.UpdateConfig;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * One service's rolling update, decided from the state alone (SwarmKit's updater without its
 * goroutine: every pass looks at the whole service again). Uses {@code update_config}, or
 * {@code rollback_config} while rolling back (the config of the spec rolled back to, as Swarm).
 *
 * <ul>
 *   <li><b>Batches.</b> Outdated slots are replaced {@code parallelism} at a time (0: all at once).
 *       A batch starts only when the service is settled — every up-to-date slot RUNNING (and
 *       healthy when it reports health), nothing standing in, nothing still stopping but old
 *       tasks draining after an earlier pass asked them to stop (unless fenced) — and
 *       {@code delay} has passed since the last of them became ready. stop-first shuts the old
 *       task down as it creates the new one; start-first keeps it until the new one is ready (see
 *       {@link ServiceReconciler}).</li>
 *   <li><b>Failures.</b> A task of the new version that ends failed, rejected or complete (not
 *       shut down or orphaned: that is not the task's fault) counts as a failure when it never
 *       ran (rejected, or failed without an exit code) or ran for at most {@code monitor}
 *       (approximated as {@link RestartSupervisor#approximateRunTime} does). When failures exceed
 *       {@code max_failure_ratio} of the service's slots, {@code failure_action} applies:
 *       {@code pause} → PAUSED (no more batches; restarts go on), {@code continue} → nothing,
 *       {@code rollback} → {@code RollbackService} (during a rollback: ROLLBACK_PAUSED).</li>
 *   <li><b>Completion.</b> When no slot is outdated, the service is settled and {@code monitor}
 *       has passed since the last task became ready, the update is COMPLETED (or
 *       ROLLBACK_COMPLETED).</li>
 * </ul>
 * Verdicts carry the service version they were decided on, so a newer update is never marked by
 * a stale one. A service without an update status (older state) is still updated, untracked.
 */
final class RollingUpdate {
    private final Service service;
    private final List<UpdateCandidate> candidates;
    private final int slots;
    private final boolean readyForBatch;
    private final boolean settled;
    private final Instant lastReadyAt;
    private final ClusterState state;
    private final OrchestratorChanges out;
    private final ServiceUpdateStatus status;
    private final UpdateConfig config;

    /**
     * @param readyForBatch settled but for tasks of a service that is not fenced that an earlier
     *                      pass asked to stop and that are still draining: a batch may start
     * @param settled       every up-to-date slot ready, nothing standing in, nothing stopping
     */
    RollingUpdate(Service service, List<UpdateCandidate> candidates, int slots, boolean readyForBatch, boolean settled,
                  Instant lastReadyAt, ClusterState state, OrchestratorChanges out) {
        this.service = service;
        this.candidates = candidates;
        this.slots = slots;
        this.readyForBatch = readyForBatch;
        this.settled = settled;
        this.lastReadyAt = lastReadyAt;
        this.state = state;
        this.out = out;
        this.status = service.updateStatus();
        boolean rollback = status != null && status.state().rollback();
        this.config = rollback ? service.spec().rollbackConfig() : service.spec().updateConfig();
    }

    void run() {
        if (status != null && status.state().paused()) {
            return;
        }
        boolean tracked = status != null && status.state().inProgress();
        if (tracked && failureActionTaken()) {
            return;
        }
        if (!candidates.isEmpty()) {
            startBatch();
        } else if (tracked && settled && (lastReadyAt == null || !out.now().isBefore(lastReadyAt.plus(config.monitor())))) {
            boolean rollback = status.state() == State.ROLLBACK_STARTED;
            String why = status.message() == null ? "" : " (" + status.message() + ")";
            out.updateStatus(service, status.moveTo(rollback ? State.ROLLBACK_COMPLETED : State.COMPLETED, out.now(),
                    rollback ? "rollback completed" + why : "update completed"));
        }
    }

    /** Counts this update's failures; if they exceed the ratio, applies failure_action. True if it did. */
    private boolean failureActionTaken() {
        int failures = 0;
        Task lastFailure = null;
        for (Task task : state.tasksOfService(service.id())) {
            if (task.serviceVersion() == service.version()
                    && (task.createdAt() == null || !task.createdAt().isBefore(status.startedAt()))
                    && failedWithinMonitor(task, config.monitor())) {
                failures++;
                if (lastFailure == null || Comparator.comparing((Task t) -> t.status().timestamp())
                        .thenComparing(Task::id).compare(task, lastFailure) > 0) {
                    lastFailure = task;
                }
            }
        }
        if (failures == 0 || (double) failures / Math.max(slots, 1) <= config.maxFailureRatio()
                || "continue".equals(config.failureAction())) {
            return false;
        }
        String why = failureText(lastFailure, failures);
        if (status.state() == State.UPDATING && "rollback".equals(config.failureAction())
                && service.previousSpec() != null) {
            out.rollback(service, "update rolled back: " + why);
        } else if (status.state() == State.ROLLBACK_STARTED) {
            out.updateStatus(service, status.moveTo(State.ROLLBACK_PAUSED, out.now(), "rollback paused: " + why));
        } else {
            out.updateStatus(service, status.moveTo(State.PAUSED, out.now(), "update paused: " + why));
        }
        return true;
    }

    static boolean failedWithinMonitor(Task task, Duration monitor) {
        TaskState ended = task.state();
        if (ended == TaskState.REJECTED || ended == TaskState.FAILED && task.status().exitCode() == null) {
            return true;
        }
        if (ended != TaskState.FAILED && ended != TaskState.COMPLETE) {
            return false;
        }
        Duration ran = RestartSupervisor.approximateRunTime(task);
        return ran == null || ran.compareTo(monitor) <= 0;
    }

    private String failureText(Task task, int failures) {
        String error = task.status().error() != null ? task.status().error()
                : task.status().exitCode() != null ? "exit code " + task.status().exitCode() : task.state().displayName();
        return "task " + task.displayName() + " (" + task.id() + ") " + task.state().displayName() + ": " + error
                + "; " + failures + " failure" + (failures == 1 ? "" : "s") + " for " + slots + " slot"
                + (slots == 1 ? "" : "s") + " (max_failure_ratio " + config.maxFailureRatio() + ")";
    }

    private void startBatch() {
        if (!readyForBatch) {
            return;
        }
        if (lastReadyAt != null && out.now().isBefore(lastReadyAt.plus(config.delay()))) {
            return;
        }
        int batch = config.parallelism() == 0 ? candidates.size() : Math.min(config.parallelism(), candidates.size());
        // a fenced slot never runs two tasks at once: its replacement waits for the old one to end
        boolean stopFirst = !"start-first".equals(config.order()) || Fencing.fenced(service.spec(), service.spec().task());
        int started = 0;
        for (UpdateCandidate candidate : candidates) {
            if (started == batch) {
                break;
            }
            Task newest = candidate.newest();
            if (newest != null && newest.serviceVersion() == service.version() && newest.state().isTerminal()) {
                // an earlier attempt at the new version ended in this slot (start-first): back off
                RestartDecision decision = RestartSupervisor.decide(newest, out.now());
                if (!decision.restart()) {
                    continue;
                }
                out.create(service, candidate.slot(), decision.restartCount(), decision.notBefore());
            } else {
                out.create(service, candidate.slot(), 0, null);
            }
            if (stopFirst) {
                out.shutdown(candidate.outdated());
            }
            started++;
        }
    }
}
