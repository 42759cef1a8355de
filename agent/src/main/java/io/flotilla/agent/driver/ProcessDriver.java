package io.flotilla.agent.driver;

import io.flotilla.agent.fencing.Fencing;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task as a plain process, through a tiny per-task shim so that the task outlives the
 * agent (as containerd-shim does for containers):
 *
 * <pre>
 * agent ──exec──▶ setsid sh &lt;taskdir&gt;/shim.sh &lt;taskdir&gt; program args…   (the shim: own session)
 *                   └─ sh -c 'write $$ to pid; exec setsid program args…'   (the task: own session
 *                        output appended to output.log, stdin /dev/null          and process group)
 *                 shim waits, then writes $? to &lt;taskdir&gt;/exit (tmp + mv)
 * </pre>
 *
 * Why not {@code set -m} in the shim: {@code dash} (Debian's {@code sh}) turns job control off
 * without a terminal, and a background job of a shell without job control starts with SIGINT and
 * SIGQUIT ignored. Running the task in the shim's foreground keeps every signal at its default,
 * and {@code setsid} gives it its own process group (pgid = pid) all the same, which the agent
 * signals with {@code kill -s SIG -- -PGID}.
 *
 * <p>A task with mounts ({@link ProcessMounts}) runs under {@code unshare --mount --propagation
 * private}: the shim's inner shell runs {@code mounts.sh} in the new namespace, then execs the task
 * as before (unshare execs in place, so the pid written is still the task's). A fenced task
 * ({@link TaskLaunch#leaseFile()}) gets its watchdog as a background job of the shim
 * ({@link io.flotilla.agent.fencing.Fencing#WATCHDOG_SCRIPT}), which the shim stops when the task ends.
 *
 * <p>A task on overlay networks (or with {@code network_mode: none}) runs in a network namespace of
 * its own ({@link ProcessNetworks}): the driver makes and attaches it before the shim starts, the
 * program is started through {@code ip netns exec <namespace>} (after {@code setsid} and the
 * signal reset, before {@code setpriv}; it execs in place, so the pid is still the task's), which
 * also bind-mounts the namespace's {@code resolv.conf} in a mount namespace of its own (nested in
 * the volumes' one when there are volumes), and the namespace is removed when the task ends, or
 * when an adopted one has ended. A task without networks keeps the host's network.
 *
 * <p>A task with {@code user:} runs as that user ({@link ProcessUser}: {@code setpriv} is the last
 * word before the program, so the shim and the mount script still run as the agent); a task
 * without one runs as the agent, which is said once per service in the log.
 */
public final class ProcessDriver implements Driver {
    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class);
    private static final Duration PID_WAIT = Duration.ofSeconds(10);
    /** In the task directory of a fenced task: the lease file its watchdog reads. */
    static final String FENCING_FILE = "fencing";

    private final InstantSource clock;
    private final String shimScript;
    private final long agentUid = ProcessUser.agentUid();
    private final String agentUser = System.getProperty("user.name");
    private final java.util.Set<String> servicesWarnedOfUser = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Namespaces of tasks on networks; null when this agent cannot make them ({@link #networksMissing} says why). */
    private final ProcessNetworks networks;
    private final String networksMissing;

    /** A driver that refuses process tasks on networks. */
    public ProcessDriver(InstantSource clock) {
        this(clock, null, "this agent was not given the node's networks");
    }

    /**
     * @param networks        gives tasks on networks their namespace; null: such tasks are rejected
     * @param networksMissing why {@code networks} is null (for the rejection)
     */
    public ProcessDriver(InstantSource clock, ProcessNetworks networks, String networksMissing) {
        this.clock = clock;
        this.networks = networks;
        this.networksMissing = networksMissing;
        this.shimScript = ProcessShim.script(executable("setsid"), executable("mv"), executable("unshare"),
                ProcessShim.defaultSignals());
    }

    @Override
    public String name() {
        return TaskTemplate.PROCESS;
    }

    /** The janitor's pass: network namespaces this agent made for tasks it no longer has are removed. */
    @Override
    public void retainOnly(java.util.Set<String> taskIds) {
        if (networks != null) {
            networks.collect(taskIds);
        }
    }

    /** Rejects a task with volumes or networks on a node that cannot give them to a process task. */
    @Override
    public void prepare(Task task, io.flotilla.model.api.Assignment assignment, java.util.function.Consumer<String> progress)
            throws DriverException {
        if (ProcessNetworks.applies(task, assignment) && networks == null) {
            throw new DriverException("cannot give the task its own network namespace: " + networksMissing);
        }
        if (!task.spec().volumes().isEmpty()) {
            String missing = ProcessMounts.missingPrivilege();
            if (missing != null) {
                throw new DriverException("cannot mount the task's volumes: " + missing);
            }
        }
    }

    @Override
    public TaskHandle start(TaskLaunch launch) throws DriverException {
        TaskDirectory directory = launch.directory();
        if (launch.program().isEmpty()) {
            throw new DriverException("the task has no command: set command or entrypoint");
        }
        checkExecutable(launch.program().getFirst(), launch.workingDir(), launch.environment());
        String user = launch.task().spec().user();
        List<String> runAs = ProcessUser.command(user, agentUid, ProcessUser.Directory.system());
        if ((user == null || user.isBlank()) && servicesWarnedOfUser.add(launch.task().serviceId())) {
            log.warn("service {}: its process tasks set no user: and run as the agent's user, {} (uid {})",
                    launch.task().serviceName(), agentUser, agentUid);
        }
        String namespace = null;
        if (ProcessNetworks.applies(launch.task(), launch.assignment())) {
            if (networks == null) {
                throw new DriverException("cannot give the task its own network namespace: " + networksMissing);
            }
            namespace = networks.join(launch.task(), launch.assignment());
        }
        Process shim;
        try {
            Files.createDirectories(directory.root());
            Files.writeString(directory.shim(), shimScript);
            Files.deleteIfExists(directory.pidFile());
            Files.deleteIfExists(directory.exitFile());
            Path mountScript = directory.root().resolve(ProcessMounts.SCRIPT);
            if (launch.mounts().isEmpty()) {
                Files.deleteIfExists(mountScript);
            } else {
                Files.writeString(mountScript, ProcessMounts.script(launch.mounts(), launch.workingDir()));
            }
            Path fencing = directory.root().resolve(FENCING_FILE);
            if (launch.leaseFile() == null) {
                Files.deleteIfExists(fencing);
            } else {
                Fencing.prepare(directory);
                Files.writeString(fencing, launch.leaseFile().toAbsolutePath() + "\n");
            }
            List<String> command = new ArrayList<>(List.of(executable("setsid"), executable("sh"),
                    directory.shim().toString(), directory.root().toString()));
            if (namespace != null) {
                command.addAll(ProcessNetworks.execPrefix(namespace));
            }
            command.addAll(runAs);
            command.addAll(launch.program());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(launch.workingDir().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.shimLog().toFile()))
                    .redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(launch.environment());
            shim = builder.start();
        } catch (IOException e) {
            leaveNetworks(launch.task().id(), namespace != null);
            throw new DriverException("cannot start the task's shim: " + e.getMessage(), e);
        }
        long taskPid;
        try {
            taskPid = awaitTaskPid(directory, shim.toHandle());
        } catch (DriverException e) {
            leaveNetworks(launch.task().id(), namespace != null);
            throw e;
        }
        recordStarted(directory, TaskRecord.prepared(launch.task(), launch.assignment(), launch.hostPorts(),
                launch.workingDir().toString()), shim.pid(), taskPid);
        boolean inNamespace = namespace != null;
        CompletableFuture<ExitStatus> exit = shim.onExit().thenApply(ended -> {
            leaveNetworks(launch.task().id(), inNamespace);
            return exitStatus(directory);
        });
        return new ProcessTaskHandle(taskPid, exit);
    }

    /** Removes the network namespace of a task that had one (when it ends, or failed to start). */
    private void leaveNetworks(String taskId, boolean inNamespace) {
        if (inNamespace && networks != null) {
            networks.leave(taskId);
        }
    }

    /** As {@link #adoptProcess}; a task in a namespace of its own gets it removed once it has ended. */
    @Override
    public Adoption adopt(TaskDirectory directory, TaskRecord record) {
        Adoption adoption = adoptProcess(directory, record);
        boolean inNamespace = ProcessNetworks.applies(record.task(), record.assignment());
        return switch (adoption) {
            case Adoption.StillRunning running when inNamespace -> new Adoption.StillRunning(new ProcessTaskHandle(
                    running.handle().pid(), running.handle().exit().thenApply(status -> {
                        leaveNetworks(record.task().id(), true);
                        return status;
                    })));
            case Adoption.Ended ended -> {
                leaveNetworks(record.task().id(), inNamespace);
                yield ended;
            }
            default -> adoption;
        };
    }

    /** Writes the record of a task whose shim and task run: a restarted agent adopts it by these pids. */
    private void recordStarted(TaskDirectory directory, TaskRecord prepared, long shimPid, long taskPid) {
        try {
            directory.writeRecord(new TaskRecord(prepared.task(), prepared.assignment(), shimPid,
                    ProcessIdentity.of(shimPid).map(ProcessIdentity::startTime).orElse(null), taskPid,
                    ProcessIdentity.of(taskPid).map(ProcessIdentity::startTime).orElse(null), prepared.hostPorts(),
                    prepared.workingDir(), clock.instant()));
        } catch (IOException e) {
            log.warn("task {}: cannot write its record; a restarted agent will not adopt it: {}",
                    directory.taskId(), e.getMessage());
        }
    }

    private Adoption adoptProcess(TaskDirectory directory, TaskRecord record) {
        if (record.shimPid() == null && directory.readExit().isEmpty()) {
            Optional<ProcessHandle> shim = ProcessShim.running(directory);
            if (shim.isPresent()) {
                return adoptUnrecorded(directory, record, shim.get());
            }
            Optional<Long> stranded = ProcessShim.strandedTask(directory);
            if (stranded.isPresent()) {
                log.warn("task {}: its shim is gone but the task runs on, never recorded; killing process group {}",
                        directory.taskId(), stranded.get());
                ProcessGroups.killQuietly(stranded.get());
                return new Adoption.Ended(exitStatus(directory));
            }
            return new Adoption.Ended(new ExitStatus.Unknown("the agent stopped before the task was started"));
        }
        if (record.shimPid() != null && record.shimStartTime() != null
                && new ProcessIdentity(record.shimPid(), record.shimStartTime()).isAlive()) {
            Optional<ProcessHandle> shim = ProcessHandle.of(record.shimPid());
            if (shim.isPresent()) {
                long taskPid = record.taskPid() != null ? record.taskPid() : directory.readPid().orElse(-1L);
                CompletableFuture<ExitStatus> exit = shim.get().onExit().thenApply(ended -> exitStatus(directory));
                return new Adoption.StillRunning(new ProcessTaskHandle(taskPid, exit));
            }
        }
        ExitStatus status = exitStatus(directory);
        if (status instanceof ExitStatus.Unknown && record.taskPid() != null && record.taskStartTime() != null
                && new ProcessIdentity(record.taskPid(), record.taskStartTime()).isAlive()) {
            // Its shim is gone, so nobody could ever tell how it ends: stop it rather than leak it.
            log.warn("task {}: its shim is gone but the task runs on; killing process group {}",
                    directory.taskId(), record.taskPid());
            ProcessGroups.killQuietly(record.taskPid());
        }
        return new Adoption.Ended(status);
    }

    /**
     * The agent stopped after starting the shim and before recording it (the record is written once
     * the task's pid is known), and the shim runs on: its task is adopted as a recorded one would be,
     * and the record completed. Otherwise the task would run on with no agent that knows of it.
     */
    private Adoption adoptUnrecorded(TaskDirectory directory, TaskRecord prepared, ProcessHandle shim) {
        long taskPid;
        try {
            taskPid = awaitTaskPid(directory, shim);
        } catch (DriverException e) {
            return new Adoption.Ended(exitStatus(directory));
        }
        recordStarted(directory, prepared, shim.pid(), taskPid);
        log.info("task {}: adopted its shim (pid {}), which the agent had started but not recorded before it stopped",
                directory.taskId(), shim.pid());
        return new Adoption.StillRunning(new ProcessTaskHandle(taskPid, shim.onExit().thenApply(ended -> exitStatus(directory))));
    }

    private static ExitStatus exitStatus(TaskDirectory directory) {
        return directory.readExit().orElseGet(() -> new ExitStatus.Unknown(
                "the task's shim ended without recording an exit status (killed?)"));
    }

    private static long awaitTaskPid(TaskDirectory directory, ProcessHandle shim) throws DriverException {
        long deadline = System.nanoTime() + PID_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Long> pid = directory.readPid();
            if (pid.isPresent()) {
                return pid.get();
            }
            if (!shim.isAlive() && directory.readPid().isEmpty()) {
                throw new DriverException("the task's shim ended before starting the task: " + shimOutput(directory));
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        shim.destroyForcibly();
        throw new DriverException("the task's shim did not start the task within " + PID_WAIT.toSeconds() + " s");
    }

    private static String shimOutput(TaskDirectory directory) {
        try {
            String output = Files.readString(directory.shimLog()).trim();
            return output.isEmpty() ? "(no output)" : output;
        } catch (IOException e) {
            return "(no output)";
        }
    }

    /**
     * Refuses a program that cannot be found, so the user reads "executable file not found" rather
     * than "exited with code 127". A relative path resolves against the working directory.
     */
    static void checkExecutable(String program, Path workingDir, Map<String, String> environment)
            throws DriverException {
        if (program.contains("/")) {
            Path path = workingDir.resolve(program);
            if (!Files.isExecutable(path) || Files.isDirectory(path)) {
                throw new DriverException("executable file not found: " + path);
            }
            return;
        }
        String searchPath = environment.getOrDefault("PATH", "");
        for (String entry : searchPath.split(":")) {
            if (!entry.isEmpty()) {
                Path candidate = workingDir.resolve(entry).resolve(program);
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return;
                }
            }
        }
        throw new DriverException("executable file not found in PATH: " + program + " (PATH=" + searchPath + ")");
    }

    /**
     * The uid and gid a process task with {@code user:} runs as ({@code user}, {@code uid},
     * {@code name:group}, {@code uid:gid}), as the node resolves it; empty when the task sets no
     * user (it runs as the agent). Its secrets and configs are owned by them unless they say otherwise.
     */
    public static Optional<long[]> userIds(String user) throws DriverException {
        if (user == null || user.isBlank()) {
            return Optional.empty();
        }
        ProcessUser.Ids ids = ProcessUser.ids(user, ProcessUser.Directory.system());
        return Optional.of(new long[] {ids.uid(), ids.gid()});
    }

    /** {@link #executable}, also looking in the agent's PATH (the docker CLI may live elsewhere). */
    public static String executableOnPath(String name) {
        String found = executable(name);
        if (!found.equals(name)) {
            return found;
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, name))) {
                return Path.of(entry, name).toString();
            }
        }
        return name;
    }

    /** An absolute path for a system tool, so a task's own PATH cannot break the shim. */
    static String executable(String name) {
        for (String directory : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin")) {
            Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return name;
    }

    /** A task started by the shim: signals go to its process group, its end is the shim's end. */
    private record ProcessTaskHandle(long pid, CompletableFuture<ExitStatus> exit) implements TaskHandle {
        @Override
        public void signal(String signal) throws IOException {
            if (pid > 1) {
                ProcessGroups.signal(pid, signal);
            }
        }

        @Override
        public void killAll() {
            if (pid > 1) {
                ProcessGroups.killQuietly(pid);
            }
        }
    }
}
