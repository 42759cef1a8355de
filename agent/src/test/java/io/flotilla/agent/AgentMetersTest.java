package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's meters in a registry handed in, moved by real processes: a task that replaces an
 * earlier one of its slot counts a restart (a first task does not), each start is timed under its
 * driver and call, and the tasks-by-state gauges follow what runs here.
 */
class AgentMetersTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir Path dataDir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeManagerChannel manager = new FakeManagerChannel(NODE);
    private Agent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        TestTasks.killAll(dataDir);
    }

    @Test
    void aRestartIsCountedStartsAreTimedAndTasksAreCountedByState() {
        AgentConfig config = new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, new Resources(2_000_000_000L,
                1L << 30, 0), Set.of("process"), Duration.ofMillis(100));
        agent = new Agent(config, manager, Clock.systemUTC(), registry);
        agent.start();

        Task first = TestTasks.shell("t1", "exec sleep 300", Map.of());
        manager.assign(first);
        await().atMost(TIMEOUT).until(() -> gauge("running") == 1);
        assertThat(restarts()).isZero();
        assertThat(registry.get("flotilla.agent.driver.call").tags("driver", "process", "call", "start").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("flotilla.agent.driver.call").tags("driver", "process", "call", "prepare").timer().count())
                .isEqualTo(1);

        Task replacement = restartOf(TestTasks.shell("t2", "exec sleep 300", Map.of()));
        manager.assign(replacement); // t1 is no longer assigned: stopped; t2 replaces it
        await().atMost(TIMEOUT).until(() -> restarts() == 1 && gauge("running") == 1 && gauge("shutdown") == 1);
        assertThat(registry.get("flotilla.agent.driver.call").tags("driver", "process", "call", "start").timer().count())
                .isEqualTo(2);
        assertThat(registry.find("flotilla.agent.tasks").gauges()).hasSize(TaskState.values().length);
    }

    private double gauge(String state) {
        return registry.get("flotilla.agent.tasks").tag("state", state).gauge().value();
    }

    private double restarts() {
        return registry.get("flotilla.agent.task.restarts").counter().count();
    }

    private static Task restartOf(Task task) {
        return new Task(task.id(), task.serviceId(), task.serviceName(), task.slot(), task.serviceVersion(),
                task.nodeId(), task.desiredState(), task.status(), task.spec(), task.createdAt(), task.notBefore(), 1,
                task.allocation());
    }
}
