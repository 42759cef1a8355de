package io.flotilla.agent.driver.docker;

import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.fencing.Fencing;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead man's switch of a fenced container: {@code setsid sh watchdog.sh TASKDIR LEASE docker ID}
 * ({@link Fencing#WATCHDOG_SCRIPT}), a process of its own session, so it outlives the agent and
 * kills the container ({@code docker kill -s KILL}) once the node's lease expires, whether the
 * agent hangs, died or is fine but cut off from the managers. It records its pid in the task
 * directory; a restarted agent that adopts the container keeps a watchdog that still runs and
 * starts one when it is gone. It ends by itself when it fenced, or when it sees the container
 * stopped (checked every 5 s); the agent stops it when the container exits.
 */
final class ContainerWatchdog {
    private static final Logger log = LoggerFactory.getLogger(ContainerWatchdog.class);

    private ContainerWatchdog() {}

    /** Null when the node can run container watchdogs; else why not. */
    static String missing() {
        return Files.isExecutable(Path.of(docker())) ? null
                : "the docker CLI is not installed (a fenced container's watchdog kills it with docker kill)";
    }

    private static String docker() {
        return io.flotilla.agent.driver.ProcessDriver.executableOnPath("docker");
    }

    static void start(TaskDirectory directory, Path leaseFile, String containerId) throws DriverException {
        try {
            Fencing.prepare(directory);
            new ProcessBuilder(List.of(io.flotilla.agent.driver.ProcessDriver.executableOnPath("setsid"), "sh",
                    directory.root().resolve(Fencing.WATCHDOG_FILE).toString(), directory.root().toString(),
                    leaseFile.toAbsolutePath().toString(), "docker", containerId))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.shimLog().toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new DriverException("cannot start the fenced container's watchdog: " + e.getMessage(), e);
        }
    }

    /** Starts a watchdog for an adopted container unless its own still runs. */
    static void ensure(TaskDirectory directory, Path leaseFile, String containerId) {
        if (running(directory).isPresent()) {
            return;
        }
        log.info("task {}: its container's watchdog is gone; starting one", directory.taskId());
        try {
            start(directory, leaseFile, containerId);
        } catch (DriverException e) {
            log.warn("task {}: {}", directory.taskId(), e.getMessage());
        }
    }

    static void stop(TaskDirectory directory) {
        running(directory).ifPresent(ProcessHandle::destroy);
    }

    /** The watchdog of this task directory, if it runs (its pid file names a live {@code sh watchdog.sh} of this directory). */
    static Optional<ProcessHandle> running(TaskDirectory directory) {
        try {
            long pid = Long.parseLong(Files.readString(directory.root().resolve(Fencing.WATCHDOG_PID_FILE)).strip());
            String commandLine = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
            if (commandLine.contains(Fencing.WATCHDOG_FILE) && commandLine.contains(directory.root().toString())) {
                return ProcessHandle.of(pid);
            }
        } catch (IOException | NumberFormatException e) {
            // no pid file, or no such process
        }
        return Optional.empty();
    }
}
