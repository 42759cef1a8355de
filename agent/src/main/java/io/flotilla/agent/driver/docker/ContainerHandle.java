package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskHandle;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * A task's container. Its end and its health come from the daemon's event stream
 * ({@link DockerEvents}): {@link #ended} and {@link #healthChanged} are called from there.
 * Signals go through {@code POST /containers/{id}/kill?signal=…}.
 */
final class ContainerHandle implements TaskHandle {
    private final DockerClient client;
    private final String taskId;
    private final String containerId;
    private final boolean checksHealth;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile long pid;
    private BiConsumer<String, String> healthListener;
    private String pendingHealth;
    private String pendingOutput;

    ContainerHandle(DockerClient client, String taskId, String containerId, boolean checksHealth) {
        this.client = client;
        this.taskId = taskId;
        this.containerId = containerId;
        this.checksHealth = checksHealth;
    }

    String taskId() {
        return taskId;
    }

    @Override
    public long pid() {
        return pid;
    }

    void pid(long value) {
        pid = value;
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    void ended(ExitStatus status) {
        exit.complete(status);
    }

    @Override
    public void signal(String signal) throws IOException {
        if (exit.isDone()) {
            return;
        }
        try {
            client.killContainerCmd(containerId).withSignal(ContainerSpecMapper.signalName(signal)).exec();
        } catch (NotFoundException | ConflictException e) {
            // gone or not running: its die event tells the rest
        } catch (RuntimeException e) {
            throw new IOException("cannot signal container " + containerId + ": " + DaemonErrors.reason(e), e);
        }
    }

    @Override
    public void killAll() {
        try {
            signal("KILL");
        } catch (IOException e) {
            // quiet, as promised
        }
    }

    @Override
    public boolean checksHealth() {
        return checksHealth;
    }

    @Override
    public void watchHealth(BiConsumer<String, String> listener) {
        String health;
        String output;
        synchronized (this) {
            healthListener = listener;
            health = pendingHealth;
            output = pendingOutput;
        }
        if (health != null) {
            listener.accept(health, output);
        }
    }

    /** Docker's health status ({@code starting}, {@code healthy}, {@code unhealthy}) and the last probe's output. */
    void healthChanged(String health, String output) {
        BiConsumer<String, String> listener;
        synchronized (this) {
            listener = healthListener;
            if (listener == null) {
                pendingHealth = health;
                pendingOutput = output;
                return;
            }
        }
        listener.accept(health, output);
    }
}
