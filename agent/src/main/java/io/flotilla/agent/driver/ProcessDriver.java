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

    public ProcessDriver(InstantSource clock) {
        this.clock = clock;
        this.shimScript = shimScript(executable("setsid"), executable("mv"), executable("unshare"), defaultSignals());
    }

    /**
     * The command that starts a task with every signal at its default disposition, as a container
     * starts (runc resets them): an agent started with a signal ignored (SIGHUP under {@code nohup},
     * some service managers) passes that on to every process it starts, and a shell cannot trap a
     * signal ignored when it started — a task reloading its configuration on SIGHUP (a
     * {@code signal} dependency policy) would never see one. GNU {@code env --default-signal}
     * (coreutils 8.32 and later); empty, with a warning, where the node's {@code env} lacks it.
     */
    static String defaultSignals() {
        String env = executable("env");
        try {
            Process probe = new ProcessBuilder(env, "--default-signal", "true")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (probe.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return env + " --default-signal";
            }
            probe.destroyForcibly();
        } catch (IOException e) {
            // below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.warn("{} --default-signal is not available (GNU coreutils 8.32 or later): process tasks inherit the "
                + "agent's ignored signals (a task cannot trap SIGHUP if the agent was started with nohup)", env);
        return "";
    }

    @Override
    public String name() {
        return TaskTemplate.PROCESS;
    }

    /** Rejects a task with volumes on a node that cannot mount them into a process task. */
    @Override
    public void prepare(Task task, io.flotilla.model.api.Assignment assignment, java.util.function.Consumer<String> progress)
            throws DriverException {
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
            throw new DriverException("cannot start the task's shim: " + e.getMessage(), e);
        }
        Optional<ProcessIdentity> shimIdentity = ProcessIdentity.of(shim.pid());
        long taskPid = awaitTaskPid(directory, shim.toHandle());
        Optional<ProcessIdentity> taskIdentity = ProcessIdentity.of(taskPid);
        TaskRecord record = TaskRecord.prepared(launch.task(), launch.assignment(), launch.hostPorts(),
                launch.workingDir().toString());
        try {
            directory.writeRecord(new TaskRecord(record.task(), record.assignment(), shim.pid(),
                    shimIdentity.map(ProcessIdentity::startTime).orElse(null), taskPid,
                    taskIdentity.map(ProcessIdentity::startTime).orElse(null), record.hostPorts(),
                    record.workingDir(), clock.instant()));
        } catch (IOException e) {
            log.warn("task {}: cannot write its record; a restarted agent will not adopt it: {}",
                    directory.taskId(), e.getMessage());
        }
        CompletableFuture<ExitStatus> exit = shim.onExit().thenApply(ended -> exitStatus(directory));
        return new ProcessTaskHandle(taskPid, exit);
    }

    @Override
    public Adoption adopt(TaskDirectory directory, TaskRecord record) {
        if (record.shimPid() == null && directory.readExit().isEmpty()) {
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

    /** @param defaultSignals the command (with its options) run before the program to reset signals, or "" */
    static String shimScript(String setsid, String mv, String unshare, String defaultSignals) {
        return """
                #!/bin/sh
                # Flotilla task shim, written by the agent. Usage: setsid sh shim.sh TASKDIR PROGRAM [ARG...]
                # Runs the task in its own session and process group (pgid = pid) with its output
                # appended to TASKDIR/output.log, writes its pid to TASKDIR/pid, waits for it and
                # writes its exit status ($?: 128+n when killed by signal n) to TASKDIR/exit.
                # With TASKDIR/mounts.sh the task runs in its own mount namespace, after that script;
                # with TASKDIR/fencing (the lease file) a watchdog kills it once the lease expires.
                # The task starts with every signal at its default disposition (env --default-signal).
                dir=$1
                shift
                watchdog=
                if [ -f "$dir/fencing" ]; then
                    sh "$dir/watchdog.sh" "$dir" "$(cat "$dir/fencing")" process </dev/null >>"$dir/shim.log" 2>&1 &
                    watchdog=$!
                fi
                if [ -f "$dir/mounts.sh" ]; then
                    %3$s --mount --propagation private sh -c 'sh "$0/mounts.sh" >>"$0/shim.log" 2>&1 || exit 125
                        cd "$(pwd -P)" 2>/dev/null
                        printf "%%s\n" "$$" > "$0/pid.tmp" && %2$s -f "$0/pid.tmp" "$0/pid" && exec %1$s %4$s "$@"' \
                        "$dir" "$@" >>"$dir/output.log" 2>&1 </dev/null
                else
                    sh -c 'printf "%%s\n" "$$" > "$0/pid.tmp" && %2$s -f "$0/pid.tmp" "$0/pid" && exec %1$s %4$s "$@"' \
                        "$dir" "$@" >>"$dir/output.log" 2>&1 </dev/null
                fi
                code=$?
                if [ -n "$watchdog" ]; then
                    kill "$watchdog" 2>/dev/null
                fi
                printf '%%s\n' "$code" > "$dir/exit.tmp" && %2$s -f "$dir/exit.tmp" "$dir/exit"
                """.formatted(setsid, mv, unshare, defaultSignals);
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
