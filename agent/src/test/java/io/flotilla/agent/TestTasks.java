package io.flotilla.agent;

import io.flotilla.agent.driver.ProcessGroups;
import io.flotilla.agent.driver.ProcessIdentity;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Tasks for tests, and cleanup of the processes they start. */
final class TestTasks {
    static final String NODE = "node-1";

    private TestTasks() {}

    /** A process task running {@code sh -c script}, with {@code environment}. */
    static Task shell(String id, String script, Map<String, String> environment) {
        TaskTemplate template = TaskTemplate.process(List.of("/bin/sh", "-c", script)).withEnvironment(environment);
        return task(id, template, Map.of());
    }

    /** A task assigned with {@code dependencyAddresses}, the scheduler's choice of its dependencies' endpoints. */
    static Task task(String id, TaskTemplate template, Map<String, String> dependencyAddresses) {
        return new Task(id, "svc-" + id, "web", 1, 1, NODE, TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"), template, Instant.now(), null, 0,
                TaskAllocation.NONE.withDependencyAddresses(dependencyAddresses));
    }

    static Task withHealthcheck(Task task, HealthcheckSpec healthcheck) {
        return new Task(task.id(), task.serviceId(), task.serviceName(), task.slot(), task.serviceVersion(),
                task.nodeId(), task.desiredState(), task.status(), task.spec().withHealthcheck(healthcheck),
                task.createdAt(), task.notBefore(), task.restartCount(), task.allocation());
    }

    static Task withStop(Task task, String signal, Duration grace) {
        return new Task(task.id(), task.serviceId(), task.serviceName(), task.slot(), task.serviceVersion(),
                task.nodeId(), task.desiredState(), task.status(), task.spec().withStop(signal, grace),
                task.createdAt(), task.notBefore(), task.restartCount(), task.allocation());
    }

    static Task withNotBefore(Task task, Instant notBefore) {
        return new Task(task.id(), task.serviceId(), task.serviceName(), task.slot(), task.serviceVersion(),
                task.nodeId(), task.desiredState(), task.status(), task.spec(), task.createdAt(), notBefore,
                task.restartCount(), task.allocation());
    }

    static HealthcheckSpec healthcheck(List<String> test, int retries) {
        return new HealthcheckSpec(test, Duration.ofMillis(200), Duration.ofSeconds(5), retries, Duration.ZERO,
                Duration.ofMillis(200));
    }

    static boolean alive(long pid) {
        return ProcessIdentity.of(pid).isPresent(); // alive and not a zombie
    }

    /**
     * Kills every shim and task (process group) under {@code dataDir}, so no test leaks processes;
     * shims first, and waits for them, so none writes into the directory while JUnit deletes it.
     */
    static void killAll(Path dataDir) {
        Path root = TaskDirectory.tasksRoot(dataDir);
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                TaskDirectory directory = new TaskDirectory(child);
                directory.readRecord().ifPresent(record -> {
                    if (record.shimPid() != null) {
                        ProcessHandle.of(record.shimPid()).ifPresent(shim -> {
                            shim.destroyForcibly();
                            try {
                                shim.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                            } catch (Exception e) {
                                throw new AssertionError("shim " + shim.pid() + " did not end", e);
                            }
                        });
                    }
                });
                directory.readPid().ifPresent(ProcessGroups::killQuietly);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
