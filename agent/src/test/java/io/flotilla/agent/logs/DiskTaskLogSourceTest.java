package io.flotilla.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTaskLogSourceTest {
    @TempDir
    Path dataDir;

    private final Task task = new Task("t1", "svc", "web", 1, 1, "n1", TaskState.RUNNING,
            TaskStatus.of(TaskState.RUNNING, Instant.now(), "running"), TaskTemplate.process(List.of("x")),
            Instant.now(), null, 0, TaskAllocation.NONE);
    private TaskDirectory directory;
    private DiskTaskLogSource source;

    @BeforeEach
    void setUp() throws IOException {
        directory = TaskDirectory.of(dataDir, "t1");
        Files.createDirectories(directory.root());
        source = new DiskTaskLogSource(dataDir, Duration.ofMillis(20));
    }

    private void append(String text) throws IOException {
        Files.writeString(directory.outputLog(), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private String read(int tail, boolean follow) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        source.write(task, tail, follow, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tailsTheLastLines() throws IOException {
        append("one\ntwo\nthree\n");

        assertThat(read(2, false)).isEqualTo("two\nthree\n");
        assertThat(read(-1, false)).isEqualTo("one\ntwo\nthree\n");
        assertThat(read(10, false)).isEqualTo("one\ntwo\nthree\n");
        assertThat(read(0, false)).isEmpty();
    }

    @Test
    void aTaskWithoutOutputHasNoLines() throws IOException {
        assertThat(read(10, false)).isEmpty();
    }

    @Test
    void tailReachesBackIntoTheNewestRotatedFile() throws IOException {
        Files.writeString(LogRotator.rotated(directory.outputLog(), 1), "old1\nold2\n");
        append("new\n");

        assertThat(read(2, false)).isEqualTo("old2\nnew\n");
    }

    @Test
    void followsNewLinesAcrossTruncationUntilTheTaskEnds() throws Exception {
        append("first\npart");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Void> following = CompletableFuture.runAsync(() -> {
            try {
                source.write(task, 5, true, out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString(StandardCharsets.UTF_8).equals("first\n"));
        append("ial\nsecond\n");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> out.toString(StandardCharsets.UTF_8).equals("first\npartial\nsecond\n"));

        new LogRotator(1, 1).rotateIfNeeded(directory.outputLog());
        Thread.sleep(100);
        append("third\nunfinished");
        Files.writeString(directory.exitFile(), "0\n");

        following.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("first\npartial\nsecond\nthird\nunfinished\n");
    }

    @Test
    void stopsFollowingWhenTheReaderGoesAway() throws Exception {
        append("line\n");
        OutputStream broken = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) throws IOException {
                if (++writes > 5) {
                    throw new IOException("reader went away");
                }
            }
        };
        CompletableFuture<Throwable> following = CompletableFuture.supplyAsync(() -> {
            try {
                source.write(task, 1, true, broken);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(100);
        append("more lines\n");

        assertThat(following.get(10, java.util.concurrent.TimeUnit.SECONDS)).hasMessage("reader went away");
    }
}
