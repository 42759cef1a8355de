package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.LogContainerCmd;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.model.Task;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container task's output, stdout and stderr interleaved, from the daemon ({@code docker logs},
 * tail and follow); once the container is removed, from what the driver saved in the task
 * directory's {@code output.log}, through the agent's disk log source.
 */
final class ContainerLogSource implements TaskLogSource {
    private static final Logger log = LoggerFactory.getLogger(ContainerLogSource.class);

    private final DockerDriver driver;
    private final TaskLogSource disk;

    ContainerLogSource(DockerDriver driver, TaskLogSource disk) {
        this.driver = driver;
        this.disk = disk;
    }

    @Override
    public void write(Task task, int tail, boolean follow, OutputStream out) throws IOException {
        List<Container> containers;
        try {
            containers = driver.containersOf(task.id());
        } catch (RuntimeException e) {
            containers = List.of();
        }
        if (containers.isEmpty()) {
            disk.write(task, tail, follow, out);
            return;
        }
        LogContainerCmd command = driver.client().logContainerCmd(containers.getFirst().getId())
                .withStdOut(true).withStdErr(true).withFollowStream(follow);
        command = tail >= 0 ? command.withTail(tail) : command.withTailAll();
        AtomicReference<IOException> writeFailure = new AtomicReference<>();
        ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                try {
                    out.write(frame.getPayload());
                    if (follow) {
                        out.flush();
                    }
                } catch (IOException e) {
                    writeFailure.set(e);
                    try {
                        close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        };
        try {
            command.exec(callback).awaitCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            throw new IOException("cannot read the container's log: " + DaemonErrors.reason(e), e);
        } finally {
            callback.close();
        }
        if (writeFailure.get() != null) {
            throw writeFailure.get();
        }
    }

    /** Copies an ended container's output into {@code output.log} of its task directory, if that still exists. */
    void save(String containerId, TaskDirectory directory) {
        if (!Files.isDirectory(directory.root())) {
            return;
        }
        try (OutputStream out = Files.newOutputStream(directory.outputLog(),
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
                @Override
                public void onNext(Frame frame) {
                    try {
                        out.write(frame.getPayload());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
            driver.client().logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTailAll()
                    .exec(callback).awaitCompletion();
        } catch (IOException | RuntimeException e) {
            log.debug("cannot save the output of container {}: {}", containerId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
