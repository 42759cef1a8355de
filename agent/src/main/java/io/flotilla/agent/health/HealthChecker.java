package io.flotilla.agent.health;

import io.flotilla.model.HealthcheckSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task's compose healthcheck on its own virtual thread, as Docker does: every
 * {@code interval} ({@code start_interval} during {@code start_period}), each run limited to
 * {@code timeout}, in the task's working directory and environment. Health goes
 * {@code starting} → {@code healthy} on the first pass; after {@code retries} failures in a row
 * it is {@code unhealthy} and the checker stops (the runner then stops the task). Failures during
 * the start period do not count; a pass during it counts.
 *
 * <p>{@code ["CMD-SHELL", "cmd"]} runs {@code /bin/sh -c cmd}; {@code ["CMD", prog, args…]} runs
 * the program directly, with {@code ${NAME}} expanded (see {@link CommandExpansion}).
 */
public final class HealthChecker implements AutoCloseable {
    public static final String STARTING = "starting";
    public static final String HEALTHY = "healthy";
    public static final String UNHEALTHY = "unhealthy";
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    private static final int MAX_OUTPUT = 4096;

    /** Told when health changes; {@code output} is the last check's output. */
    public interface Listener {
        void healthChanged(String health, String output);
    }

    private final String taskId;
    private final HealthcheckSpec spec;
    private final Map<String, String> environment;
    private final Path workingDir;
    private final Path outputFile;
    private final InstantSource clock;
    private final Listener listener;
    private volatile boolean closed;
    private volatile Thread thread;

    public HealthChecker(String taskId, HealthcheckSpec spec, Map<String, String> environment, Path workingDir,
                         Path outputFile, InstantSource clock, Listener listener) {
        this.taskId = taskId;
        this.spec = spec;
        this.environment = Map.copyOf(environment);
        this.workingDir = workingDir;
        this.outputFile = outputFile;
        this.clock = clock;
        this.listener = listener;
    }

    public void start() {
        thread = Thread.ofVirtual().name("health-" + taskId).start(this::loop);
    }

    @Override
    public void close() {
        closed = true;
        Thread running = thread;
        if (running != null && running != Thread.currentThread()) {
            running.interrupt();
        }
    }

    /** The program to run for one check. */
    public static List<String> command(List<String> test, Map<String, String> environment) {
        if (test.isEmpty()) {
            throw new IllegalArgumentException("empty healthcheck test");
        }
        return switch (test.getFirst()) {
            case "CMD" -> CommandExpansion.expand(test.subList(1, test.size()), environment);
            case "CMD-SHELL" -> List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
            default -> List.of("/bin/sh", "-c", String.join(" ", test));
        };
    }

    private void loop() {
        Instant startPeriodEnds = clock.instant().plus(spec.startPeriod());
        String health = STARTING;
        int failures = 0;
        while (!closed) {
            boolean inStartPeriod = clock.instant().isBefore(startPeriodEnds);
            try {
                Thread.sleep(inStartPeriod ? spec.startInterval() : spec.interval());
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            HealthCheckResult result = runOnce();
            if (closed) {
                return;
            }
            if (result.passed()) {
                failures = 0;
                if (!health.equals(HEALTHY)) {
                    health = HEALTHY;
                    listener.healthChanged(health, result.output());
                }
            } else if (!clock.instant().isBefore(startPeriodEnds)) {
                failures++;
                log.debug("task {}: health check failed ({} of {}): {}", taskId, failures, spec.retries(),
                        result.output());
                if (failures >= spec.retries()) {
                    listener.healthChanged(UNHEALTHY, result.output());
                    return;
                }
            }
        }
    }

    HealthCheckResult runOnce() {
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command(spec.test(), environment))
                    .directory(workingDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(outputFile.toFile())
                    .redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException | RuntimeException e) {
            return new HealthCheckResult(false, "cannot run health check: " + e.getMessage());
        }
        try {
            if (!process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                return new HealthCheckResult(false, "health check timed out after " + describe(spec.timeout()));
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            return new HealthCheckResult(false, "health check interrupted");
        }
        return new HealthCheckResult(process.exitValue() == 0, readOutput());
    }

    private String readOutput() {
        try (InputStream in = Files.newInputStream(outputFile)) {
            return new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static String describe(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}
