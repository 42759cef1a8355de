package io.flotilla.agent.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The mounts of a process task: a script the shim runs in the task's own mount namespace
 * ({@code unshare --mount --propagation private}) before it starts the task, so the task sees
 * each volume at its target path while the host's mount table stays as it was.
 *
 * <ul>
 *   <li>A bind mount (a named volume's directory, a bind mount, an anonymous volume's directory):
 *       {@code mount --bind SOURCE TARGET}, then {@code mount -o remount,bind,ro TARGET} when read-only.</li>
 *   <li>tmpfs: {@code mount -t tmpfs -o OPTIONS tmpfs TARGET}.</li>
 *   <li>A relative target is relative to the task's working directory. A target missing on the host
 *       is created there, empty (a directory; an empty file for a file source), as a mount point.</li>
 * </ul>
 * Only root may do this; {@link #missingPrivilege()} says why a node cannot.
 */
public final class ProcessMounts {
    /** In the task directory. */
    public static final String SCRIPT = "mounts.sh";

    private ProcessMounts() {}

    /** Null when this agent can mount in a task's namespace; else what is missing. */
    public static String missingPrivilege() {
        long uid = uid();
        if (uid != 0) {
            return "the agent runs as uid " + uid + ", not root (mounting a volume into a process task needs root:"
                    + " it mounts it in the task's own mount namespace)";
        }
        if (!Files.isExecutable(Path.of(ProcessDriver.executable("unshare")))) {
            return "unshare is not installed (util-linux; it gives the task its own mount namespace)";
        }
        return null;
    }

    static long uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).strip().split("\\s+")[1]); // the effective uid
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: assume unprivileged
        }
        return -1;
    }

    /** Where {@code mount} appears to the task: its target, against the working directory when relative. */
    public static Path target(HostMount mount, Path workingDir) {
        return workingDir.resolve(mount.target()).normalize();
    }

    /** Creates the missing mount points on the host and returns the script's text. */
    public static String script(List<HostMount> mounts, Path workingDir) throws DriverException {
        StringBuilder script = new StringBuilder("""
                # Flotilla: the task's mounts, run by its shim in the task's own mount namespace.
                fail() { echo "cannot mount $1 at $2 in the task's mount namespace" >&2; exit 1; }
                """);
        for (HostMount mount : mounts) {
            Path target = target(mount, workingDir);
            String what = mount.volume() != null ? "volume " + mount.volume()
                    : mount.type() == HostMount.Type.TMPFS ? "tmpfs" : "bind mount " + mount.source();
            String fail = " || fail " + quote(what) + " " + quote(target.toString()) + "\n";
            try {
                if (mount.type() == HostMount.Type.BIND && Files.isRegularFile(mount.source())) {
                    if (!Files.exists(target)) {
                        Files.createDirectories(target.getParent());
                        Files.createFile(target);
                    }
                } else {
                    Files.createDirectories(target);
                }
            } catch (IOException e) {
                throw new DriverException("cannot create the mount point " + target + " for " + what + ": " + e, e);
            }
            switch (mount.type()) {
                case BIND -> {
                    if (!Files.exists(mount.source())) {
                        throw new DriverException("cannot mount " + what + ": " + mount.source() + " does not exist");
                    }
                    script.append("mount --bind ").append(quote(mount.source().toString())).append(' ')
                            .append(quote(target.toString())).append(fail);
                    if (mount.readOnly()) {
                        script.append("mount -o remount,bind,ro ").append(quote(target.toString())).append(fail);
                    }
                }
                case TMPFS -> {
                    String options = mount.options() == null || mount.options().isBlank() ? "" : mount.options();
                    if (mount.readOnly()) {
                        options = options.isEmpty() ? "ro" : options + ",ro";
                    }
                    script.append("mount -t tmpfs ").append(options.isEmpty() ? "" : "-o " + quote(options) + " ")
                            .append("tmpfs ").append(quote(target.toString())).append(fail);
                }
                case ANONYMOUS -> throw new DriverException("an anonymous volume of a process task needs a directory");
            }
        }
        return script.toString();
    }

    /** Single-quoted for sh. */
    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
