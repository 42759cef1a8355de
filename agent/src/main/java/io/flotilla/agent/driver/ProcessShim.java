package io.flotilla.agent.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-task shim script of the {@link ProcessDriver} (see there for why it is shaped so), and
 * the command that resets the task's signals.
 */
final class ProcessShim {
    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class);

    private ProcessShim() {}

    /**
     * The command that starts a task with every signal at its default disposition, as a container
     * starts (runc resets them): an agent started with a signal ignored (SIGHUP under {@code nohup},
     * some service managers) passes that on to every process it starts, and a shell cannot trap a
     * signal ignored when it started — a task reloading its configuration on SIGHUP (a
     * {@code signal} dependency policy) would never see one. GNU {@code env --default-signal}
     * (coreutils 8.32 and later); empty, with a warning, where the node's {@code env} lacks it.
     */
    static String defaultSignals() {
        String env = ProcessDriver.executable("env");
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

    /**
     * The shim started for {@code directory} if it runs now, found by its command line
     * ({@code sh <dir>/shim.sh <dir> …}: the task directory names one task, so one shim at most).
     */
    static Optional<ProcessHandle> running(TaskDirectory directory) {
        String script = directory.shim().toString();
        String dir = directory.root().toString();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(process -> process.info().arguments()
                            .filter(args -> args.length >= 2 && args[0].equals(script) && args[1].equals(dir))
                            .isPresent())
                    .findFirst();
        }
    }

    /**
     * The task of {@code directory} when it runs on without its shim and without a record of its
     * pid: its pid file names a live process started with this task's {@code FLOTILLA_TASK_ID}
     * (checked in its environment, so a reused pid is never taken for it). An agent killed between
     * starting the shim and recording it leaves this when the shim dies too (a host kill that missed
     * the task being forked): no exit status will ever be written, and the task would run on
     * unknown to every agent.
     */
    static Optional<Long> strandedTask(TaskDirectory directory) {
        Optional<Long> pid = directory.readPid();
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        try {
            String environment = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid.get()), "environ")),
                    StandardCharsets.UTF_8);
            return environment.contains("FLOTILLA_TASK_ID=" + directory.taskId() + "\0") ? pid : Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.empty(); // gone (or not ours to read)
        }
    }

    /** @param defaultSignals the command (with its options) run before the program to reset signals, or "" */
    static String script(String setsid, String mv, String unshare, String defaultSignals) {
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
}
