package io.flotilla.agent.runner;

import io.flotilla.agent.driver.Signals;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The {@code signal} and {@code exec} policies for a running task whose dependencies, secrets or
 * configs changed.
 * The signal goes to the task's process group (a container's main process for docker tasks). The
 * command runs on the node, in the task's working directory and environment plus the new values
 * and {@code FLOTILLA_DEPENDENCY} (the services that changed, comma-separated) or
 * {@code FLOTILLA_CHANGED_FILES} (the secrets and configs rewritten, by cluster name); its output is
 * appended to the task's log, between a line that says why it runs and one with its exit code.
 * Process tasks only: for a container it is logged and skipped.
 */
final class DependencyActions {
    static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);

    private final Task task;
    private final TaskDirectory directory;
    private final Path workingDir;
    private final Logger log;

    DependencyActions(Task task, TaskDirectory directory, Path workingDir, Logger log) {
        this.task = task;
        this.directory = directory;
        this.workingDir = workingDir;
        this.log = log;
    }

    /** {@code what} names the change: {@code dependency shop_db}, {@code secret shop_db-password v2}. */
    void signal(TaskHandle running, String signal, String what) {
        try {
            String name = Signals.normalize(signal);
            running.signal(name);
            log.info("task {}: sent SIG{}, {} changed", task.id(), name, what);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("task {}: cannot send {} after {} changed: {}", task.id(), signal, what, e.getMessage());
        }
    }

    /** For changed dependencies: {@code FLOTILLA_DEPENDENCY} names them. */
    void exec(List<String> command, Map<String, String> environment, List<String> changed) {
        exec(command, environment, Map.of("FLOTILLA_DEPENDENCY", String.join(",", changed)),
                "dependency " + String.join(",", changed));
    }

    /** Runs {@code command} with {@code environment} plus {@code variables}, saying {@code what} changed. */
    void exec(List<String> command, Map<String, String> environment, Map<String, String> variables, String what) {
        if (!TaskTemplate.PROCESS.equals(task.spec().driver())) {
            log.warn("task {}: {} changed; on_dependency_change exec runs for process tasks only", task.id(), what);
            return;
        }
        List<String> program = new ArrayList<>(command);
        String first = program.getFirst();
        if (first.contains("/") && !first.startsWith("/")) {
            program.set(0, workingDir.resolve(first).toString());
        }
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.putAll(variables);
        Path logFile = directory.outputLog();
        appendLine(logFile, "[flotilla] " + what + " changed: running " + String.join(" ", command));
        try {
            ProcessBuilder builder = new ProcessBuilder(program).directory(workingDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(EXEC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                appendLine(logFile, "[flotilla] " + first + " did not end within " + EXEC_TIMEOUT.toSeconds()
                        + " s: killed");
                log.warn("task {}: on_dependency_change command did not end within {}", task.id(), EXEC_TIMEOUT);
                return;
            }
            appendLine(logFile, "[flotilla] " + first + " exited with code " + process.exitValue());
            log.info("task {}: {} changed: {} exited with code {}", task.id(), what, first,
                    process.exitValue());
        } catch (IOException e) {
            appendLine(logFile, "[flotilla] cannot run " + first + ": " + e.getMessage());
            log.warn("task {}: cannot run its on_dependency_change command: {}", task.id(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void appendLine(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.warn("task {}: cannot write to its log: {}", task.id(), e.getMessage());
        }
    }
}
