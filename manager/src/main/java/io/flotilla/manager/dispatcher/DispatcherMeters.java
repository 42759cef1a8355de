package io.flotilla.manager.dispatcher;

import io.flotilla.manager.metrics.MeterGroup;
import io.micrometer.core.instrument.Counter;

/**
 * The dispatcher in its node's metrics ({@code flotilla_dispatcher_*}, docs/metrics.md): what the
 * agents' calls count up, made once when the manager starts (a report, the hottest call, only
 * increments), and gauges of its sessions and open long polls read at scrape time.
 */
public record DispatcherMeters(Counter hellos, Counter heartbeats, Counter reports, Counter statusUpdates,
                               Counter polls) {

    /** Registers the dispatcher's meters in {@code group} and has it count in them. */
    public static DispatcherMeters register(MeterGroup group, Dispatcher dispatcher) {
        group.gauge("flotilla.dispatcher.sessions", "Agents this leader has heard from since it leads (0 on a follower)",
                dispatcher, Dispatcher::sessionCount);
        group.gauge("flotilla.dispatcher.long.polls", "Assignment long polls waiting now", dispatcher,
                Dispatcher::openPolls);
        DispatcherMeters meters = new DispatcherMeters(
                group.counter("flotilla.dispatcher.hellos", "Agent hellos (sessions opened or refreshed)"),
                group.counter("flotilla.dispatcher.heartbeats", "Heartbeats received: status reports and assignment polls"),
                group.counter("flotilla.dispatcher.status.reports", "Status reports received"),
                group.counter("flotilla.dispatcher.status.updates", "Task status updates carried by the reports"),
                group.counter("flotilla.dispatcher.assignment.polls", "Assignment long polls started"));
        dispatcher.meters(meters);
        return meters;
    }
}
