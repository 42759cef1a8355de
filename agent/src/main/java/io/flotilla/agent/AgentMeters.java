package io.flotilla.agent;

import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.docker.DockerDriver;
import io.flotilla.agent.runner.TaskRunner;
import io.flotilla.model.TaskState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The agent in its node's metrics ({@code flotilla_agent_*}, docs/metrics.md): its tasks by
 * state (read at scrape time), the restarts it started, each driver call's latency by driver and
 * call ({@link MeteredDriver}), and the Docker driver's image pulls and loads. Every meter is
 * made here, when the agent is: a task start records in a timer it already holds.
 */
final class AgentMeters {
    /** The histogram buckets of the driver calls: a process starts in milliseconds, a pull takes minutes. */
    static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30)};
    /** The driver calls timed, in {@link MeteredDriver}. */
    static final String[] CALLS = {"prepare", "start", "adopt"};

    private final MeterRegistry registry;
    final Counter restarts;

    AgentMeters(MeterRegistry registry, Map<String, TaskRunner> runners) {
        this.registry = registry;
        for (TaskState state : TaskState.values()) {
            Gauge.builder("flotilla.agent.tasks", runners, r -> count(r, state))
                    .description("Tasks this agent runs or ran lately, by their state here")
                    .tag("state", state.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
        }
        restarts = Counter.builder("flotilla.agent.task.restarts")
                .description("Tasks this agent started that replace an earlier task of their slot (restart policy)")
                .register(registry);
    }

    private static double count(Map<String, TaskRunner> runners, TaskState state) {
        int count = 0;
        for (TaskRunner runner : runners.values()) {
            if (runner.status().state() == state) {
                count++;
            }
        }
        return count;
    }

    /** {@code drivers}, each timed by call; the Docker driver also counts its image pulls and loads. */
    Map<String, Driver> metered(Map<String, Driver> drivers) {
        Map<String, Driver> metered = new HashMap<>();
        drivers.forEach((name, driver) -> {
            Timer[] timers = new Timer[CALLS.length];
            for (int i = 0; i < CALLS.length; i++) {
                timers[i] = Timer.builder("flotilla.agent.driver.call")
                        .description("Latency of a driver call (prepare pulls or loads the image), by driver and call")
                        .tags("driver", name, "call", CALLS[i]).serviceLevelObjectives(BUCKETS).register(registry);
            }
            if (driver instanceof DockerDriver docker) {
                docker.imageMeters(new io.flotilla.agent.driver.docker.ImageMeters(
                        imageCounter("flotilla.agent.image.pulls", "ok", "Image pulls from a registry, by result"),
                        imageCounter("flotilla.agent.image.pulls", "error", "Image pulls from a registry, by result"),
                        imageCounter("flotilla.agent.image.loads", "ok", "Images loaded from the cluster's store, by result"),
                        imageCounter("flotilla.agent.image.loads", "error", "Images loaded from the cluster's store, by result")));
            }
            metered.put(name, new MeteredDriver(driver, timers[0], timers[1], timers[2]));
        });
        return Map.copyOf(metered);
    }

    private Counter imageCounter(String name, String result, String description) {
        return Counter.builder(name).description(description).tag("result", result).register(registry);
    }
}
