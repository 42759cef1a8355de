package io.flotilla.agent;

import io.flotilla.agent.driver.Adoption;
import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.agent.runner.TaskRunner;
import io.flotilla.agent.runner.TaskRunnerContext;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks up every task directory an earlier agent left on this node: a task that still runs gets
 * a runner that watches it again (its driver adopts it); one that ended, before or while no agent
 * ran, keeps its final status (recorded now if the task ended while no agent ran, fenced or not)
 * and is reported. An ended task is remembered as finished, so that it never runs twice, and its
 * secrets and configs are removed (their tmpfs); a running one keeps them where they are: the
 * tmpfs outlived the agent as the task did, and a container's bind mounts still point into it,
 * so rewriting them from the next set would gain nothing (a newer version is written as a rotation).
 */
final class TaskAdoption {
    /** Logs as the agent: one category for the node's trace. */
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final Path dataDir;
    private final Map<String, Driver> drivers;
    private final TaskRunnerContext context;
    private final StatusReporter reporter;
    private final InstantSource clock;

    TaskAdoption(Path dataDir, Map<String, Driver> drivers, TaskRunnerContext context, StatusReporter reporter,
                 InstantSource clock) {
        this.dataDir = dataDir;
        this.drivers = drivers;
        this.context = context;
        this.reporter = reporter;
        this.clock = clock;
    }

    /** Adopts every task left in the data directory into {@code runners}; ended ones also into {@code finished}. */
    void adoptSurvivors(Map<String, TaskRunner> runners, Set<String> finished) {
        Path root = TaskDirectory.tasksRoot(dataDir);
        List<Path> children;
        try (Stream<Path> stream = Files.list(root)) {
            children = stream.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            log.warn("cannot list {}: {}", root, e.getMessage());
            return;
        }
        for (Path child : children) {
            TaskDirectory directory = new TaskDirectory(child);
            Optional<TaskRecord> record = directory.readRecord();
            if (record.isEmpty()) {
                continue;
            }
            Task task = record.get().task();
            Optional<TaskStatus> finalStatus = directory.readFinalStatus();
            if (finalStatus.isPresent()) {
                removeFiles(directory); // the agent died between the task's end and the unmount
                runners.put(task.id(), TaskRunner.ended(task, finalStatus.get(), context));
                finished.add(task.id());
                reporter.offer(task.id(), finalStatus.get());
                continue;
            }
            Driver driver = drivers.get(task.spec().driver());
            if (driver == null) {
                log.warn("task {}: left by an earlier agent, but this agent has no '{}' driver", task.id(),
                        task.spec().driver());
                continue;
            }
            switch (driver.adopt(directory, record.get())) {
                case Adoption.StillRunning running -> {
                    TaskRunner runner = TaskRunner.adopted(record.get(), running.handle(), context);
                    runners.put(task.id(), runner);
                    reporter.offer(task.id(), runner.status());
                    runner.start();
                    log.info("task {}: adopted, still running as pid {}", task.id(), running.handle().pid());
                }
                case Adoption.Ended ended -> {
                    removeFiles(directory);
                    TaskStatus status = endedWhileAway(directory, record.get(), ended.exitStatus());
                    try {
                        directory.writeFinalStatus(status);
                    } catch (IOException e) {
                        log.warn("task {}: cannot record its final status: {}", task.id(), e.getMessage());
                    }
                    runners.put(task.id(), TaskRunner.ended(task, status, context));
                    finished.add(task.id());
                    reporter.offer(task.id(), status);
                    log.info("task {}: ended while no agent ran ({})", task.id(), ended.exitStatus().describe());
                }
            }
        }
    }

    /** The secrets and configs of a task that has ended go with it, even when it ended while no agent ran. */
    private static void removeFiles(TaskDirectory directory) {
        try {
            FilesTmpfs.remove(FilesTmpfs.of(directory));
        } catch (IOException e) {
            log.warn("task {}: cannot remove its secrets and configs yet (the janitor retries): {}", directory.taskId(),
                    e.getMessage());
        }
    }

    private TaskStatus endedWhileAway(TaskDirectory directory, TaskRecord record, ExitStatus exitStatus) {
        Optional<Instant> fencedAt = record.assignment().fenced() ? Fencing.fencedAt(directory) : Optional.empty();
        if (fencedAt.isPresent()) {
            return new TaskStatus(TaskState.FAILED, clock.instant(), "fenced while no agent ran",
                    Fencing.error(fencedAt.get()), exitStatus.exitCode(), record.taskPid(), null, record.hostPorts(),
                    null);
        }
        boolean succeeded = exitStatus.succeeded();
        return new TaskStatus(succeeded ? TaskState.COMPLETE : TaskState.FAILED, clock.instant(),
                exitStatus.describe() + " while no agent ran", succeeded ? null : exitStatus.describe(),
                exitStatus.exitCode(), record.taskPid(), null, record.hostPorts(), null);
    }
}
