package io.flotilla.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.Command;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.TaskLogSource;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real manager (Ratis on disk) in a registry handed in: its Raft, leader-loop and dispatcher meters
 * move as it works, every one of them leaves the registry when it stops (a demotion), and a second
 * manager in the same registry (the node promoted again) registers them afresh without failing.
 */
class ManagerMetersTest {
    @TempDir Path dir;

    @Test
    void aManagersMetersMoveAndLeaveTheRegistryWithIt() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Manager manager = new Manager(TestManagers.config(dir.resolve("first"), Duration.ofMinutes(5)), new FakeClock(),
                TaskLogSource.NONE, TestManagers.tuning(), registry);
        try {
            manager.start();
            assertThat(gauge(registry, "flotilla.raft.is.leader")).isEqualTo(1);
            assertThat(gauge(registry, "flotilla.raft.term")).isGreaterThanOrEqualTo(1);
            assertThat(registry.get("flotilla.raft.leader.changes").counter().count()).isGreaterThanOrEqualTo(1);

            manager.dispatcher().hello(new AgentHello(TestManagers.node("n1")), true);
            manager.dispatcher().status(new StatusReport("n1", List.of()));
            assertThat(registry.get("flotilla.dispatcher.hellos").counter().count()).isEqualTo(1);
            assertThat(registry.get("flotilla.dispatcher.status.reports").counter().count()).isEqualTo(1);
            assertThat(registry.get("flotilla.dispatcher.heartbeats").counter().count()).isEqualTo(1);
            assertThat(gauge(registry, "flotilla.dispatcher.sessions")).isEqualTo(1);

            manager.submit(new Command.CreateService("svc-1", TestManagers.service("m", "web", 2),
                    Instant.parse("2025-01-01T00:00:00Z"))).get();
            await("two tasks placed").atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get("flotilla.leader.tasks.placed").counter().count() == 2);
            assertThat(registry.get("flotilla.leader.pass").timer().count()).isPositive();
            assertThat(registry.get("flotilla.raft.apply").timer().count()).isPositive();
            await("applied up to the commit index").atMost(Duration.ofSeconds(5)).until(() ->
                    gauge(registry, "flotilla.raft.applied.index") == gauge(registry, "flotilla.raft.commit.index"));
            // the log also holds entries that change no state (a term's first entry, configurations)
            assertThat(gauge(registry, "flotilla.raft.applied.index")).isGreaterThanOrEqualTo(manager.state().index());
            assertThat(registry.find("flotilla.leader.pending.tasks").gauges())
                    .hasSize(io.flotilla.manager.loops.PendingTasks.REASONS.size())
                    .allSatisfy(g -> assertThat(g.value()).isZero());
            assertThat(gauge(registry, "flotilla.raft.log.entries")).isPositive();

            manager.takeSnapshot();
            assertThat(registry.get("flotilla.raft.snapshot").timer().count()).isEqualTo(1);
        } finally {
            manager.close();
        }
        assertThat(registry.getMeters()).as("a stopped manager's meters").extracting(m -> m.getId().getName())
                .noneMatch(name -> name.startsWith("flotilla."));

        // promoted again: the same names, registered afresh, read the new peer
        Manager again = new Manager(TestManagers.config(dir.resolve("second"), Duration.ofMinutes(5)), new FakeClock(),
                TaskLogSource.NONE, TestManagers.tuning(), registry);
        try {
            again.start();
            assertThat(gauge(registry, "flotilla.raft.is.leader")).isEqualTo(1);
            assertThat(registry.get("flotilla.dispatcher.hellos").counter().count()).isZero();
        } finally {
            again.close();
        }
        assertThat(registry.getMeters()).extracting(Meter::getId).isEmpty();
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }
}
