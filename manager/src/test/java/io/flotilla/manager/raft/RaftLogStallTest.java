package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft log on a disk that fills: Ratis' log worker fails for good at its first failed write and
 * the manager would stay up with a log that writes nothing, answering stale state. The store says
 * so ({@link RaftClusterStore#failure}), and the node exits on it. Real Ratis on a small tmpfs:
 * needs root (mount), as CI runs.
 */
class RaftLogStallTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path dir;
    private final TestManagers managers = new TestManagers();
    private boolean mounted;

    @AfterEach
    void cleanUp() throws Exception {
        managers.close();
        if (mounted) {
            run("umount", "-l", dir.toString());
        }
    }

    @Test
    void aLogWhoseWritesFailOnAFullDiskIsReportedAsTheNodesFailure() throws Exception {
        run("mount", "-t", "tmpfs", "-o", "size=16m", "flotilla-test", dir.toString());
        mounted = true;
        Manager manager = managers.start(TestManagers.config(dir, null), new FakeClock(T0), TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false));
        manager.submit(new Command.RecordAudit("test", "start", "log", "", T0)).get();
        assertThat(manager.store().failure()).isNull();

        fill(dir.resolve("filler"));
        String detail = "x".repeat(60_000);
        for (int i = 0; i < 150 && manager.store().failure() == null; i++) { // 9 MB: past the 4 MB the segment preallocated
            try {
                manager.submit(new Command.RecordAudit("test", "write", "log", detail, T0)); // not waited for: not all commit
            } catch (IllegalStateException logClosed) {
                break; // Ratis closed the failed log under the submission: what follows must say so
            }
        }

        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .dontCatchUncaughtExceptions() // Ratis' own threads meet the log it closed: its affair, not this test's
                .until(() -> manager.store().failure() != null);
        // Ratis reports this write's failure (notifyLogFailed); one it does not report (a segment's start) is a stall
        assertThat(manager.store().failure()).containsAnyOf("its Raft log could not be written", "its Raft log has written nothing")
                .contains("make room in the data dir and start the node again");
    }

    private static void fill(Path file) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(1 << 16);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            while (true) {
                block.clear();
                channel.write(block);
            }
        } catch (IOException e) {
            assertThat(e.getMessage()).contains("No space left");
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed (needs root): " + output);
        }
    }
}
