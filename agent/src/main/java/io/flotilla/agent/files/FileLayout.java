package io.flotilla.agent.files;

import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each secret and config of a task goes in its tmpfs, and where the task sees it. Pure.
 *
 * <ul>
 *   <li>Process task: every file directly in the tmpfs (the directory {@code FLOTILLA_SECRETS_DIR}
 *       names), by its target's file name ({@code db-password}; a config's {@code /etc/app/app.conf}
 *       is {@code app.conf}). Two files with the same file name are refused.</li>
 *   <li>Container: a secret whose target is a plain name goes to {@code secrets/<name>}; that
 *       directory is bind-mounted read-only at {@code /run/secrets}, so a rotation (new file,
 *       rename) shows at once. A config, or a secret with an absolute target, goes to
 *       {@code files/<target, escaped>}, bind-mounted read-only as a single file at its target:
 *       the bind mount of a file holds its inode and does not follow a rename (checked against
 *       dockerd 20.10), so such a file is rewritten in place ({@link Placed#inPlace()}), and a
 *       directory mount is not an option there, as it would hide the rest of the target's
 *       directory in the image. A relative config target is taken from {@code /}.</li>
 * </ul>
 */
record FileLayout(List<Placed> files) {
    /** Inside the tmpfs, for a container: the directory mounted at {@link #RUN_SECRETS}. */
    static final String SECRETS_SUBDIR = "secrets";
    /** Inside the tmpfs, for a container: the files mounted one by one. */
    static final String FILES_SUBDIR = "files";
    static final String RUN_SECRETS = "/run/secrets";

    /**
     * One file.
     *
     * @param relative        its path inside the tmpfs
     * @param containerTarget where a container sees it; null for a process task
     * @param inPlace         rewritten in place on rotation (a file bind mount), else replaced by rename
     */
    record Placed(FileMount mount, Path relative, String containerTarget, boolean inPlace) {}

    /** Lays out {@code mounts}; {@link IllegalArgumentException} names the file that cannot be placed. */
    static FileLayout of(List<FileMount> mounts, boolean container) {
        List<Placed> placed = new ArrayList<>();
        Map<String, FileMount> seen = new HashMap<>();
        for (FileMount mount : mounts) {
            Placed one = container ? forContainer(mount) : forProcess(mount);
            String key = container ? one.containerTarget() : one.relative().toString();
            FileMount other = seen.putIfAbsent(key, mount);
            if (other != null) {
                throw new IllegalArgumentException(describe(other) + " and " + describe(mount) + " both appear as "
                        + (container ? key : key + " in " + TaskFiles.DIRECTORY_VARIABLE));
            }
            placed.add(one);
        }
        return new FileLayout(List.copyOf(placed));
    }

    /** {@code secret shop_db-password}: how messages name a file (never its content). */
    static String describe(FileMount mount) {
        return mount.kind().label() + " " + mount.source();
    }

    private static Placed forProcess(FileMount mount) {
        String target = checkedTarget(mount);
        String name = target.substring(target.lastIndexOf('/') + 1);
        if (name.isEmpty()) {
            throw new IllegalArgumentException(describe(mount) + ": target " + target + " names no file");
        }
        return new Placed(mount, Path.of(name), null, false);
    }

    private static Placed forContainer(FileMount mount) {
        String target = checkedTarget(mount);
        if (mount.kind() == FileKind.SECRET && !target.contains("/")) {
            return new Placed(mount, Path.of(SECRETS_SUBDIR, target), RUN_SECRETS + "/" + target, false);
        }
        String absolute = Path.of("/").resolve(target).normalize().toString();
        if (absolute.equals("/") || absolute.equals(RUN_SECRETS)) {
            throw new IllegalArgumentException(describe(mount) + ": target " + target + " names no file");
        }
        String escaped = absolute.replace("%", "%25").replace("/", "%2F");
        return new Placed(mount, Path.of(FILES_SUBDIR, escaped), absolute, true);
    }

    /** The target, refused when it has no name, climbs with {@code ..} or holds a NUL. */
    private static String checkedTarget(FileMount mount) {
        String target = mount.target();
        if (target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(describe(mount) + ": target holds a NUL character");
        }
        for (String segment : target.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                throw new IllegalArgumentException(describe(mount) + ": target " + target
                        + " may not contain . or .. segments");
            }
        }
        String trimmed = target.endsWith("/") ? "" : target;
        if (trimmed.isBlank()) {
            throw new IllegalArgumentException(describe(mount) + ": target " + target + " names no file");
        }
        return trimmed;
    }
}
