package io.flotilla.agent;

import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends task statuses to the manager on its own thread: at once when one changes (everything
 * pending goes in one report), and at least every heartbeat interval, with nothing in it if
 * nothing changed (the report is also the node's heartbeat). Only the newest status per task is
 * kept, and never one older than what is pending: a task's state only moves forward. A report
 * that fails is kept and sent again. Each answer renews the node's lease ({@link LeaseKeeper}) from
 * the time its report was sent.
 *
 * <p>Nothing is sent before the agent's first {@code hello} has opened its session
 * ({@link #sessionOpened}): a manager refuses (503) a report from a node it has not greeted yet,
 * so reporting earlier only logged a warning on every clean start and sent the report twice.
 */
final class StatusReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);

    private final String nodeId;
    private final ManagerChannel channel;
    private final Duration heartbeatInterval;
    private final InstantSource clock;
    private final LeaseKeeper lease;
    private final Map<String, TaskStatus> pending = new LinkedHashMap<>();
    /** How often a report carries the node's mesh counters (the dashboard reads them every 5 s). */
    static final Duration TRAFFIC_EVERY = Duration.ofSeconds(2);
    private volatile java.util.function.Supplier<io.flotilla.model.api.MeshTraffic> traffic = () -> null;
    private long trafficSentNanos = System.nanoTime() - TRAFFIC_EVERY.toNanos();
    private volatile boolean closed;
    private Thread thread;
    private boolean failing;
    private boolean sessionOpened;

    StatusReporter(String nodeId, ManagerChannel channel, Duration heartbeatInterval, InstantSource clock,
                   LeaseKeeper lease) {
        this.nodeId = nodeId;
        this.channel = channel;
        this.heartbeatInterval = heartbeatInterval;
        this.clock = clock;
        this.lease = lease;
    }

    void start() {
        thread = Thread.ofPlatform().name("agent-reporter-" + nodeId).daemon().start(this::loop);
    }

    /** The agent's first {@code hello} was answered: reports may go from now on (and keep going if the session drops). */
    synchronized void sessionOpened() {
        sessionOpened = true;
        notifyAll();
    }

    /** Where the node's mesh counters come from (null from it: the node runs no mesh); sent every {@link #TRAFFIC_EVERY}. */
    void traffic(java.util.function.Supplier<io.flotilla.model.api.MeshTraffic> source) {
        traffic = source;
    }

    synchronized void offer(String taskId, TaskStatus status) {
        TaskStatus queued = pending.get(taskId);
        if (queued != null && !queued.state().canMoveTo(status.state())) {
            return;
        }
        pending.put(taskId, status);
        notifyAll();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true; // from here no answer extends the lease (loop)
            notifyAll();
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void loop() {
        while (!closed) {
            List<TaskStatusUpdate> updates;
            try {
                updates = awaitUpdates();
            } catch (InterruptedException e) {
                return;
            }
            try {
                Instant sentAt = clock.instant();
                long now = System.nanoTime();
                io.flotilla.model.api.MeshTraffic mesh = now - trafficSentNanos >= TRAFFIC_EVERY.toNanos()
                        ? readTraffic() : null;
                StatusReportResponse answer = channel.report(new StatusReport(nodeId, updates, mesh));
                if (mesh != null) {
                    trafficSentNanos = now;
                }
                synchronized (this) {
                    if (closed) {
                        return; // a closed agent extends no lease, even with an answer that was on its way
                    }
                    lease.answered(sentAt, answer == null ? null : answer.leaseMillis());
                }
                if (failing) {
                    log.info("reporting to the manager again");
                    failing = false;
                }
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!failing) {
                    log.warn("cannot report to the manager (will keep trying): {}", e.getMessage());
                    failing = true;
                }
                requeue(updates);
                try {
                    Thread.sleep(heartbeatInterval);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Waits for a change or the heartbeat interval, then takes everything pending. */
    private io.flotilla.model.api.MeshTraffic readTraffic() {
        try {
            return traffic.get();
        } catch (RuntimeException e) {
            log.debug("cannot read the mesh's counters: {}", e.toString());
            return null;
        }
    }

    private synchronized List<TaskStatusUpdate> awaitUpdates() throws InterruptedException {
        while (!sessionOpened && !closed) {
            wait();
        }
        long deadline = System.nanoTime() + heartbeatInterval.toNanos();
        while (pending.isEmpty() && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        List<TaskStatusUpdate> updates = new ArrayList<>(pending.size());
        pending.forEach((taskId, status) -> updates.add(new TaskStatusUpdate(taskId, status)));
        pending.clear();
        return updates;
    }

    private synchronized void requeue(List<TaskStatusUpdate> updates) {
        for (TaskStatusUpdate update : updates) {
            pending.putIfAbsent(update.taskId(), update.status());
        }
    }
}
