package io.flotilla.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A node process of the failover benchmark; killing its host also kills the task processes it started. */
record FailoverNode(Process process, List<String> args, String address) {
    void killHost() throws InterruptedException {
        List<Long> tasks = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String env = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ")));
                if (env.contains("FLOTILLA_TASK_ID=") && env.contains("FLOTILLA_ADDRESS=" + address + "\0")) {
                    tasks.add(p.pid());
                }
            } catch (IOException | SecurityException e) {
                // gone, or not ours
            }
        });
        process.destroyForcibly();
        tasks.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
