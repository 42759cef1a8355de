package io.flotilla.agent.files;

import io.flotilla.agent.driver.TaskDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The tmpfs that holds one task's secrets and configs on this node, at {@code <taskdir>/secrets}:
 * mounted by the agent ({@code mount -t tmpfs}, so only a root agent can), root's and mode 0700
 * at its top, {@code nodev,nosuid,noexec}. The content lives in memory only (tmpfs is never
 * written to disk; it may reach swap like any page, as Swarm's secrets do) and goes with the
 * unmount. Nothing of the content is ever on a command line: the agent writes the files itself.
 *
 * <p>Why a mount per task in the task directory: an adopted task (agent restarted) finds its
 * files where they were, a container's bind mounts keep pointing at them, and "is this task's
 * tmpfs mounted" is one line of {@code /proc/self/mountinfo}, which is what the janitor checks
 * after a crash.
 *
 * @param commandPrefix words put before {@code mount} (empty: as the agent); tests run it as
 *                      an unprivileged user to see the refusal of an agent that is not root
 */
public record FilesTmpfs(List<String> commandPrefix) {
    /** In the task directory; for a process task also the value of {@link TaskFiles#DIRECTORY_VARIABLE}. */
    public static final String DIRECTORY = "secrets";
    /** The tmpfs's source name, as {@code /proc/mounts} shows it. */
    static final String SOURCE = "flotilla-secrets";
    /** The smallest size limit: tmpfs takes memory only for what is written, the limit only caps it. */
    static final long MIN_SIZE = 16L << 20;
    private static final long TIMEOUT_SECONDS = 20;

    /** Mounts as the agent. */
    public static final FilesTmpfs SYSTEM = new FilesTmpfs(List.of());

    public FilesTmpfs {
        commandPrefix = List.copyOf(commandPrefix);
    }

    /** Where the task's tmpfs is mounted. */
    public static Path of(TaskDirectory directory) {
        return directory.root().resolve(DIRECTORY);
    }

    /** Mounts a tmpfs at {@code point} (created if missing) that can hold {@code contentBytes} twice over (for rotations). */
    void mount(Path point, long contentBytes) throws IOException {
        Files.createDirectories(point);
        if (isMounted(point)) {
            return;
        }
        long size = Math.max(MIN_SIZE, contentBytes * 4);
        List<String> command = new ArrayList<>(commandPrefix);
        command.addAll(List.of(executable("mount"), "-t", "tmpfs", "-o",
                "mode=0700,uid=0,gid=0,nodev,nosuid,noexec,size=" + size, SOURCE, point.toString()));
        String failure = run(command);
        if (failure != null) {
            throw new IOException("cannot mount a tmpfs at " + point + " (" + failure + ")");
        }
    }

    /**
     * Unmounts the tmpfs at {@code point} if there is one (lazily when busy: a file a process
     * still has open keeps its memory until it closes it) and removes the mount point.
     */
    public static void remove(Path point) throws IOException {
        if (isMounted(point)) {
            String failure = run(List.of(executable("umount"), point.toString()));
            if (failure != null && isMounted(point)) {
                failure = run(List.of(executable("umount"), "-l", point.toString()));
                if (failure != null && isMounted(point)) {
                    throw new IOException("cannot unmount the task's secrets tmpfs at " + point + " (" + failure + ")");
                }
            }
        }
        if (Files.isDirectory(point)) {
            try (Stream<Path> paths = Files.walk(point)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** True when a filesystem is mounted exactly at {@code point} (in this agent's mount namespace). */
    public static boolean isMounted(Path point) {
        String wanted = point.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Null when {@code command} succeeded, else what it said (or its exit code). */
    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return command.getFirst() + " did not end within " + TIMEOUT_SECONDS + " s";
            }
            return process.exitValue() == 0 ? null
                    : output.isEmpty() ? "exit code " + process.exitValue() : output.replace('\n', ' ');
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command.getFirst(), e);
        }
    }

    private static String executable(String name) {
        for (String directory : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return name;
    }
}
