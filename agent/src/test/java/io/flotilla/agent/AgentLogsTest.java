package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static io.flotilla.agent.TestTasks.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.logs.LogRotator;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task output through a running agent: following a live task, and rotation by the agent's maintenance. */
class AgentLogsTest {
    @TempDir
    Path dataDir;

    private FakeManagerChannel manager;
    private Agent agent;

    @BeforeEach
    void startAgent() {
        manager = new FakeManagerChannel(NODE);
        AgentConfig config = new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, null, Set.of("process"),
                Duration.ofMillis(100));
        agent = new Agent(config, manager, Clock.systemUTC(), new LogRotator(2_000, 2));
        agent.start();
    }

    @AfterEach
    void stopEverything() {
        agent.close();
        TestTasks.killAll(dataDir);
    }

    @Test
    void followsALiveTaskUntilItEnds() throws Exception {
        Task task = shell("counter", "for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.2; done", Map.of());
        manager.assign(task);
        await().atMost(Duration.ofSeconds(20)).until(() -> manager.latest("counter").map(TaskStatus::state)
                .orElse(null) == TaskState.RUNNING);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture.runAsync(() -> {
            try {
                agent.logs().write(manager.latest("counter").map(task::withStatus).orElseThrow(), 1, true, out);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(20, TimeUnit.SECONDS);

        assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("tick 5\ntick 6\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> manager.latest("counter").map(TaskStatus::state)
                .orElse(null) == TaskState.COMPLETE);
    }

    @Test
    void rotatesTheOutputOfAChattyTask() {
        manager.assign(shell("chatty", "while :; do echo 0123456789012345678901234567890123456789; sleep 0.01; done",
                Map.of()));
        Path log = TaskDirectory.of(dataDir, "chatty").outputLog();

        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(LogRotator.rotated(log, 2)));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(log) < Files.size(LogRotator.rotated(log, 1)));
        assertThat(LogRotator.rotated(log, 3)).doesNotExist();
    }
}
