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
 */
final class StatusReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);

    private final String nodeId;
    private final ManagerChannel channel;
    private final Duration heartbeatInterval;
    private final InstantSource clock;
    private final LeaseKeeper lease;
    private final Map<String, TaskStatus> pending = new LinkedHashMap<>();
    private volatile boolean closed;
    private Thread thread;
    private boolean failing;

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
                StatusReportResponse answer = channel.report(new StatusReport(nodeId, updates));
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
    private synchronized List<TaskStatusUpdate> awaitUpdates() throws InterruptedException {
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
