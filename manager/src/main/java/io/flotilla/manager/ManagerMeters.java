package io.flotilla.manager;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.manager.dispatcher.Dispatcher;
import io.flotilla.manager.dispatcher.DispatcherMeters;
import io.flotilla.manager.loops.LeaderLoop;
import io.flotilla.manager.loops.PendingTasks;
import io.flotilla.manager.metrics.MeterGroup;
import io.flotilla.manager.raft.RaftClusterStore;

/**
 * The meters of a manager's control plane beyond Raft's ({@link io.flotilla.manager.raft.RaftMeters}):
 * the leader loop ({@code flotilla_leader_*}), the dispatcher ({@link DispatcherMeters}) and the
 * discovery watches its registry serves. All in the manager's {@link MeterGroup}, gone when it stops.
 */
final class ManagerMeters {
    private ManagerMeters() {}

    static void register(MeterGroup group, RaftClusterStore store, LeaderLoop loop, Dispatcher dispatcher,
                         EndpointRegistry registry) {
        loop.meters(new LeaderLoop.Meters(
                group.timer("flotilla.leader.pass", "Time of one pass of the leader loop (liveness, reconcile, place)"),
                group.counter("flotilla.leader.tasks.placed", "Tasks the leader loop assigned to nodes")));
        PendingTasks pending = new PendingTasks(store::state);
        for (String reason : PendingTasks.REASONS) {
            group.gauge("flotilla.leader.pending.tasks", "Tasks desired running and not placed, by why", pending,
                    p -> p.count(reason), "reason", reason);
        }
        DispatcherMeters.register(group, dispatcher);
        group.gauge("flotilla.discovery.watchers", "Discovery watches open on this manager (one service, or all)",
                registry, EndpointRegistry::watchers);
    }
}
