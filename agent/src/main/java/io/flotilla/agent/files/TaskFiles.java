package io.flotilla.agent.files;

import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.HostMount;
import io.flotilla.agent.driver.ProcessDriver;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.model.FileMount;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.TaskFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One task's secrets and configs on this node: written into its own tmpfs ({@link FilesTmpfs})
 * before it starts, laid out for its driver ({@link FileLayout}), rewritten when the assignment
 * set brings a new version (rotation), and removed with the tmpfs when the task ends. It keeps
 * the versions the task holds (what its status reports), never the content: that goes from the
 * assignment to the tmpfs and nowhere else (no record, no log line, no exception message, no
 * environment variable, no command line).
 *
 * <p>Owners: a file's {@code uid}/{@code gid} when given (numbers, as Compose writes them); else
 * a container's root (0), or the user a process task runs as (its {@code user:}, or the agent's
 * own when it sets none). A process task's directory is its user's, mode 0700. Thread-safe.
 */
public final class TaskFiles {
    /** What a process task reads to find its files. */
    public static final String DIRECTORY_VARIABLE = "FLOTILLA_SECRETS_DIR";

    /** Why the task's files cannot be given to it; the message names the file, never its content. */
    public static final class Failure extends Exception {
        private final boolean thisNode;

        Failure(String message) {
            this(message, false);
        }

        Failure(String message, boolean thisNode) {
            super(message);
            this.thisNode = thisNode;
        }

        /** True when it is this node that cannot (no tmpfs): another node may run the task. */
        public boolean thisNode() {
            return thisNode;
        }
    }

    private final Task task;
    private final Path root;
    private final boolean container;
    private final FilesTmpfs tmpfs;
    private final Map<String, Long> held = new LinkedHashMap<>(); // guarded by this: source → version

    private TaskFiles(Task task, Path root, boolean container, FilesTmpfs tmpfs) {
        this.task = task;
        this.root = root;
        this.container = container;
        this.tmpfs = tmpfs;
    }

    public static TaskFiles of(Task task, TaskDirectory directory, FilesTmpfs tmpfs) {
        return new TaskFiles(task, FilesTmpfs.of(directory), !TaskTemplate.PROCESS.equals(task.spec().driver()), tmpfs);
    }

    /** True when the task's service names no secret or config. */
    public boolean isEmpty() {
        return task.spec().files().isEmpty();
    }

    /** The directory that holds the files (the tmpfs's mount point). */
    public Path root() {
        return root;
    }

    /**
     * Mounts the task's tmpfs and writes {@code files} (the assignment's) into it, before the task
     * starts. Every file the service names must be there.
     */
    public void write(List<TaskFile> files) throws Failure {
        if (isEmpty()) {
            return;
        }
        FileLayout layout = layout();
        Map<FileMount, TaskFile> given = byMount(files);
        for (FileLayout.Placed placed : layout.files()) {
            if (!given.containsKey(placed.mount())) {
                throw new Failure(FileLayout.describe(placed.mount()) + ": the manager sent no content for it");
            }
        }
        long total = files.stream().mapToLong(file -> file.data().length).sum();
        try {
            tmpfs.mount(root, total);
        } catch (IOException e) {
            throw new Failure("cannot hold " + FileLayout.describe(layout.files().getFirst().mount())
                    + " on this node: its files live on a tmpfs that only a root agent can mount"
                    + (ownUid() == 0 ? "" : " (this agent runs as uid " + ownUid() + ")") + ", and " + e.getMessage(),
                    true);
        }
        FileWriter writer = writer();
        for (FileLayout.Placed placed : layout.files()) {
            TaskFile file = given.get(placed.mount());
            writeOne(writer, placed, file);
        }
    }

    /**
     * Writes the files of {@code files} whose version differs from the one the task holds
     * (rotation) and returns them; empty when nothing changed.
     */
    public List<TaskFile> update(List<TaskFile> files) throws Failure {
        if (isEmpty() || files.isEmpty()) {
            return List.of();
        }
        List<TaskFile> changed = new ArrayList<>();
        Map<FileMount, TaskFile> given = byMount(files);
        FileWriter writer = null;
        for (FileLayout.Placed placed : layout().files()) {
            TaskFile file = given.get(placed.mount());
            Long holds;
            synchronized (this) {
                holds = held.get(placed.mount().source());
            }
            if (file == null || holds != null && holds == file.version()) {
                continue;
            }
            if (!FilesTmpfs.isMounted(root)) {
                throw new Failure("cannot rotate " + FileLayout.describe(placed.mount()) + ": the task's tmpfs "
                        + root + " is not mounted");
            }
            writer = writer != null ? writer : writer();
            writeOne(writer, placed, file);
            changed.add(file);
        }
        return changed;
    }

    /** {@code secret shop_db-password v3}: how logs and statuses name a version (never its content). */
    public static String describe(TaskFile file) {
        return FileLayout.describe(file.mount()) + " v" + file.version();
    }

    /** An adopted task holds the versions its record names (the tmpfs outlived the agent, as the task did). */
    public synchronized void adopt(List<TaskFile> recorded) {
        recorded.forEach(file -> held.put(file.mount().source(), file.version()));
    }

    /** Cluster name → version of every file the task holds now. */
    public synchronized Map<String, Long> held() {
        return Map.copyOf(held);
    }

    /** A process task's variable naming its directory; none for a container or a task without files. */
    public Map<String, String> environment() {
        return isEmpty() || container ? Map.of() : Map.of(DIRECTORY_VARIABLE, root.toString());
    }

    /** A container's read-only bind mounts of its files ({@link FileLayout}); none for a process task. */
    public List<HostMount> containerMounts() {
        if (isEmpty() || !container) {
            return List.of();
        }
        List<HostMount> mounts = new ArrayList<>();
        boolean secretsDirectory = false;
        for (FileLayout.Placed placed : FileLayout.of(task.spec().files(), true).files()) { // checked by write
            if (placed.inPlace()) {
                mounts.add(HostMount.bind(root.resolve(placed.relative()), placed.containerTarget(), true, null));
            } else if (!secretsDirectory) {
                secretsDirectory = true;
                mounts.addFirst(HostMount.bind(root.resolve(FileLayout.SECRETS_SUBDIR), FileLayout.RUN_SECRETS, true, null));
            }
        }
        return mounts;
    }

    /** Unmounts the tmpfs (the content is gone with it) and removes its mount point; the task holds nothing. */
    public void remove() throws IOException {
        synchronized (this) {
            held.clear();
        }
        FilesTmpfs.remove(root);
    }

    private void writeOne(FileWriter writer, FileLayout.Placed placed, TaskFile file) throws Failure {
        try {
            writer.write(placed, file);
        } catch (IOException | IllegalArgumentException e) {
            throw new Failure("cannot write " + FileLayout.describe(placed.mount()) + " for the task: " + e.getMessage());
        }
        synchronized (this) {
            held.put(placed.mount().source(), file.version());
        }
    }

    private FileLayout layout() throws Failure {
        try {
            return FileLayout.of(task.spec().files(), container);
        } catch (IllegalArgumentException e) {
            throw new Failure(e.getMessage());
        }
    }

    private FileWriter writer() throws Failure {
        if (container) {
            return new FileWriter(root, true, 0, 0, ownUid() == 0);
        }
        Optional<long[]> user;
        try {
            user = ProcessDriver.userIds(task.spec().user());
        } catch (DriverException e) {
            throw new Failure("cannot give the task its secrets and configs: " + e.getMessage());
        }
        return user.map(ids -> new FileWriter(root, false, ids[0], ids[1], ownUid() == 0))
                .orElseGet(() -> new FileWriter(root, false, -1, -1, ownUid() == 0));
    }

    private static Map<FileMount, TaskFile> byMount(List<TaskFile> files) {
        Map<FileMount, TaskFile> byMount = new LinkedHashMap<>();
        files.forEach(file -> byMount.put(file.mount(), file));
        return byMount;
    }

    private static long ownUid() {
        try {
            return ((Number) java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
