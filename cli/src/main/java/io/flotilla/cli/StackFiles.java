package io.flotilla.cli;

import io.flotilla.compose.ComposeException;
import io.flotilla.compose.ComposeLoader;
import io.flotilla.compose.LoadedStack;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Loads a stack file for the CLI: warnings to stderr, and paths made absolute for process services. */
public final class StackFiles {
    private StackFiles() {}

    public static LoadedStack load(Path file, String stack) throws ComposeException {
        return load(List.of(file), stack, List.of());
    }

    /**
     * Loads several files merged in order (as {@code docker compose -f a -f b}) with the given
     * profiles active (none: those of {@code COMPOSE_PROFILES}). Paths are relative to the first
     * file's directory, the project directory.
     */
    public static LoadedStack load(List<Path> files, String stack, List<String> profiles) throws ComposeException {
        Path file = files.getFirst();
        LoadedStack loaded = new ComposeLoader(System.getenv()).load(files, stack, profiles);
        for (String warning : loaded.warnings()) {
            System.err.println("WARNING: " + warning);
        }
        return new LoadedStack(resolveProgramPaths(loaded.stack(), file.toAbsolutePath().getParent()),
                loaded.warnings(), loaded.normalizedYaml(), loaded.files(), loaded.builds());
    }

    /**
     * The compose files a command reads: those given with {@code -c}, else those of
     * {@code COMPOSE_FILE} (separated by the platform's path separator, {@code :} on Linux, as
     * docker compose reads it), else none (the caller says that one is needed).
     */
    public static List<Path> composeFiles(List<Path> given, Map<String, String> environment) {
        if (given != null && !given.isEmpty()) {
            return List.copyOf(given);
        }
        String variable = environment.getOrDefault("COMPOSE_FILE", "");
        List<Path> files = new ArrayList<>();
        for (String part : variable.split(java.util.regex.Pattern.quote(java.io.File.pathSeparator))) {
            if (!part.isBlank()) {
                files.add(Path.of(part.strip()));
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no compose file: give one or more with -c FILE, or set COMPOSE_FILE");
        }
        return files;
    }

    /**
     * A process service's program given as {@code ./x} or {@code ../x}, and a relative
     * working_dir, are relative to the stack file's directory (as bind-mount sources are): the
     * task runs on a node, not in the directory the CLI was started from.
     */
    public static StackSpec resolveProgramPaths(StackSpec stack, Path directory) {
        List<ServiceSpec> services = new ArrayList<>();
        for (ServiceSpec service : stack.services()) {
            TaskTemplate task = service.task();
            if (task.driver().equals(TaskTemplate.PROCESS)) {
                task = new TaskTemplate(task.driver(), task.image(), absolute(task.command(), directory),
                        absolute(task.entrypoint(), directory), task.environment(),
                        task.workingDir() == null ? null : directory.resolve(task.workingDir()).normalize().toString(),
                        task.user(), task.hostname(), task.labels(), task.healthcheck(), task.volumes(), task.resources(),
                        task.restartPolicy(), task.placement(), task.stopSignal(), task.stopGracePeriod(), task.init(),
                        task.readOnly(), task.capAdd(), task.capDrop(), task.tmpfs(), task.ulimits(), task.pullPolicy(),
                        task.networks(), task.discovery(), task.networkMode(), task.files());
            }
            services.add(service.withTask(task));
        }
        return new StackSpec(stack.name(), services, stack.networks(), stack.externalNetworks(), stack.files());
    }

    private static List<String> absolute(List<String> argv, Path directory) {
        if (argv.isEmpty() || !(argv.getFirst().startsWith("./") || argv.getFirst().startsWith("../"))) {
            return argv;
        }
        List<String> resolved = new ArrayList<>(argv);
        resolved.set(0, directory.resolve(argv.getFirst()).normalize().toString());
        return resolved;
    }

    /** Durations as the CLI takes them: {@code 90s}, {@code 2m}, {@code 1h}, {@code 500ms}, or plain seconds. */
    public static Duration duration(String text) {
        String t = text.strip();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            } else if (t.endsWith("m")) {
                return Duration.ofSeconds((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 60));
            } else if (t.endsWith("h")) {
                return Duration.ofSeconds((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 3600));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid duration '" + text + "' (examples: 90s, 2m, 500ms)");
        }
    }
}
