package io.flotilla.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A process task's {@code user:} is the user it runs as (security issue 17: it ran as the
 * agent, root, whatever it asked for). The tasks run for real, so the test must run as root, as
 * it does in CI: elsewhere it fails saying so rather than skip and pass unseen.
 */
class ProcessUserTest {
    @TempDir
    Path dataDir;

    @ParameterizedTest
    @ValueSource(strings = {"nobody", "65534:65534", "65534", "nobody:nogroup"})
    void aProcessTaskRunsAsItsUser(String user) throws Exception {
        assertThat(ProcessUser.agentUid()).as("ProcessUserTest runs tasks as user nobody: it needs root"
                + " (CI runs the build as root); run it as root").isZero();
        Task task = new Task("t1", "svc", "web", 1, 1, "node-1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"),
                TaskTemplate.process(List.of("/bin/sh", "-c", "echo uid=$(id -u) gid=$(id -g) groups=$(id -G)"))
                        .withUser(user), Instant.now(), null, 0, TaskAllocation.NONE);
        TaskDirectory directory = TaskDirectory.of(dataDir, task.id());
        Files.createDirectories(directory.defaultWorkingDir());

        TaskHandle handle = new ProcessDriver(Clock.systemUTC()).start(new TaskLaunch(task, Assignment.NONE, directory,
                task.spec().command(), Map.of("PATH", "/usr/bin:/bin"), directory.defaultWorkingDir(), Map.of()));
        ExitStatus exit = handle.exit().get(10, TimeUnit.SECONDS);

        String output = Files.readString(directory.outputLog()).strip();
        assertThat(exit).as(output).isEqualTo(new ExitStatus.Exited(0));
        assertThat(output).isEqualTo("uid=65534 gid=65534 groups=65534");
    }

    @Test
    void anAgentThatIsNotRootRefusesAnotherUser() {
        assertThatThrownBy(() -> ProcessUser.command("4242:4243", 1000, FAKE))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("runs as uid 1000, not root, and cannot switch users");
    }

    @Test
    void anAgentThatIsNotRootRunsATaskAskingForItsOwnUser() throws DriverException {
        assertThat(ProcessUser.command("app", 1000, FAKE)).isEmpty();
    }

    @Test
    void aUidWithoutAnAccountMustNameItsGroup() throws DriverException {
        assertThatThrownBy(() -> ProcessUser.command("4242", 0, FAKE))
                .isInstanceOf(DriverException.class).hasMessageContaining("write user: 4242:GID");
        assertThat(ProcessUser.command("4242:4243", 0, FAKE))
                .containsSubsequence("--reuid=4242", "--regid=4243", "--clear-groups", "--");
    }

    @Test
    void unknownNamesAreRefused() {
        assertThatThrownBy(() -> ProcessUser.command("nosuchuser", 0, FAKE))
                .isInstanceOf(DriverException.class).hasMessageContaining("user \"nosuchuser\" does not exist");
        assertThatThrownBy(() -> ProcessUser.command("app:nosuchgroup", 0, FAKE))
                .isInstanceOf(DriverException.class).hasMessageContaining("group \"nosuchgroup\" does not exist");
    }

    @Test
    void noUserKeepsTheAgentsUser() throws DriverException {
        assertThat(ProcessUser.command(null, 0, FAKE)).isEmpty();
    }

    /** One account, app (1000:1000), and no groups. */
    private static final ProcessUser.Directory FAKE = new ProcessUser.Directory() {
        @Override
        public Optional<ProcessUser.Account> user(String nameOrUid) {
            return nameOrUid.equals("app") || nameOrUid.equals("1000")
                    ? Optional.of(new ProcessUser.Account("app", 1000, 1000)) : Optional.empty();
        }

        @Override
        public Optional<Long> group(String nameOrGid) {
            return Optional.empty();
        }
    };
}
