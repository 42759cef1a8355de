package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.HealthStateLog;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.flotilla.agent.driver.ExitStatus;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream of the daemon's container events for this node's containers (label
 * {@code io.flotilla.node=<node>}): a {@code die} ends the watched container's handle at once
 * with its exit code, a {@code health_status} passes Docker's verdict on. When the stream breaks
 * it reconnects from the last event it saw ({@code since}), and checks every watched container
 * once more, so an exit is never missed.
 */
final class DockerEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerEvents.class);
    private static final Duration RECONNECT_DELAY = Duration.ofMillis(200);

    private final DockerClient client;
    private final String nodeId;
    private final Map<String, ContainerHandle> watched = new ConcurrentHashMap<>();
    private volatile Closeable stream;
    private volatile boolean closed;
    /** Unix seconds of the last event seen: where a reconnect resumes. */
    private volatile long lastEventSeconds;

    DockerEvents(DockerClient client, String nodeId) {
        this.client = client;
        this.nodeId = nodeId;
    }

    void start() {
        lastEventSeconds = System.currentTimeMillis() / 1000 - 1;
        connect();
    }

    /** Watches a container: its handle ends when its die event arrives. Call before starting it. */
    void watch(ContainerHandle handle) {
        watched.put(handle.containerId(), handle);
        handle.exit().whenComplete((status, failure) -> watched.remove(handle.containerId(), handle));
    }

    /** Ends {@code handle} if its container no longer runs (for an adopted one, or after a reconnect). */
    void check(ContainerHandle handle) {
        try {
            InspectContainerResponse.ContainerState state = client.inspectContainerCmd(handle.containerId()).exec().getState();
            if (!Boolean.TRUE.equals(state.getRunning())) {
                handle.ended(exitStatus(state));
            } else if (state.getPidLong() != null) {
                handle.pid(state.getPidLong());
            }
        } catch (NotFoundException e) {
            handle.ended(new ExitStatus.Unknown("its container " + shortId(handle.containerId()) + " was removed"));
        } catch (RuntimeException e) {
            log.warn("cannot inspect container {}: {}", shortId(handle.containerId()), e.toString());
        }
    }

    static ExitStatus exitStatus(InspectContainerResponse.ContainerState state) {
        if (Boolean.TRUE.equals(state.getOOMKilled())) {
            return new ExitStatus.Unknown("killed: out of memory (exit code " + state.getExitCodeLong() + ")");
        }
        return state.getExitCodeLong() == null ? new ExitStatus.Unknown("the container ended")
                : ExitStatus.fromShellCode(state.getExitCodeLong().intValue());
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            stream = client.eventsCmd().withEventTypeFilter(EventType.CONTAINER)
                    .withLabelFilter(Map.of(ContainerLabels.NODE, nodeId))
                    .withSince(Long.toString(lastEventSeconds))
                    .exec(new ResultCallback.Adapter<Event>() {
                        @Override
                        public void onNext(Event event) {
                            handle(event);
                        }

                        @Override
                        public void onError(Throwable error) {
                            if (!closed) {
                                log.debug("docker event stream broke: {}", error.toString());
                            }
                            reconnect();
                        }

                        @Override
                        public void onComplete() {
                            reconnect();
                        }
                    });
        } catch (RuntimeException e) {
            log.warn("cannot follow docker events: {}", e.toString());
            reconnect();
        }
    }

    private void reconnect() {
        if (closed) {
            return;
        }
        Thread.ofVirtual().name("docker-events-reconnect").start(() -> {
            try {
                Thread.sleep(RECONNECT_DELAY);
            } catch (InterruptedException e) {
                return;
            }
            connect();
            List.copyOf(watched.values()).forEach(this::check);
        });
    }

    private void handle(Event event) {
        if (event.getTime() != null) {
            lastEventSeconds = Math.max(lastEventSeconds, event.getTime());
        }
        String action = event.getAction() != null ? event.getAction() : event.getStatus();
        String id = event.getActor() != null && event.getActor().getId() != null ? event.getActor().getId() : event.getId();
        if (action == null || id == null) {
            return;
        }
        ContainerHandle handle = watched.get(id);
        if (handle == null) {
            return;
        }
        if (action.equals("die")) {
            Map<String, String> attributes = event.getActor() == null ? Map.of() : event.getActor().getAttributes();
            String code = attributes == null ? null : attributes.get("exitCode");
            if (code != null && code.chars().allMatch(Character::isDigit) && !code.isEmpty()) {
                handle.ended(ExitStatus.fromShellCode(Integer.parseInt(code)));
            } else {
                Thread.ofVirtual().start(() -> check(handle));
            }
        } else if (action.startsWith("health_status")) {
            String health = action.substring(action.indexOf(':') + 1).strip();
            Thread.ofVirtual().name("docker-health-" + shortId(id)).start(() -> handle.healthChanged(health, lastProbeOutput(id)));
        }
    }

    private String lastProbeOutput(String containerId) {
        try {
            var health = client.inspectContainerCmd(containerId).exec().getState().getHealth();
            if (health == null || health.getLog() == null || health.getLog().isEmpty()) {
                return "";
            }
            HealthStateLog last = health.getLog().getLast();
            String output = last.getOutput() == null ? "" : last.getOutput().strip();
            return output.isEmpty() ? "probe exited with code " + last.getExitCodeLong() : output;
        } catch (RuntimeException e) {
            return "";
        }
    }

    static String shortId(String containerId) {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }

    @Override
    public void close() {
        closed = true;
        Closeable current = stream;
        if (current != null) {
            try {
                current.close();
            } catch (Exception e) {
                log.debug("closing the event stream: {}", e.toString());
            }
        }
    }
}
