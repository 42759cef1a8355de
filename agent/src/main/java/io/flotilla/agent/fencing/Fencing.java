package io.flotilla.agent.fencing;

import io.flotilla.agent.driver.TaskDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Fenced tasks and their dead man's switch (docs/stateful.md, "Fencing (agent side)").
 *
 * <p>A task is fenced when its assignment says so ({@link io.flotilla.model.api.Assignment#fenced()}:
 * a stateful service, or a named volume on a shared driver): it may run only while this node holds its lease with the
 * managers, whose deadline the agent keeps in {@code <data>/lease} ({@link LeaseKeeper}). A
 * watchdog outside the agent JVM ({@link #WATCHDOG_SCRIPT}) kills the task once the deadline has
 * passed, and records the deadline in the task directory's {@code fenced} file; the agent then
 * reports the task FAILED with {@link #error}.
 */
public final class Fencing {
    /** In the task directory: the lease deadline (epoch ms) the watchdog found passed. */
    public static final String FENCED_FILE = "fenced";
    /** In the task directory: the watchdog, written by the agent. */
    public static final String WATCHDOG_FILE = "watchdog.sh";
    /** In the task directory: the pid of a container's watchdog (the process driver's runs in the shim). */
    public static final String WATCHDOG_PID_FILE = "watchdog.pid";

    private Fencing() {}

    /**
     * Names the lease file in a fenced task's environment, so that a writer can check the lease
     * itself before each write ({@code demo-app ledger} does): the one guard that holds when the
     * whole node was frozen and everything wakes up at once, before the watchdog's next round.
     */
    public static final String LEASE_FILE_VARIABLE = "FLOTILLA_LEASE_FILE";
    /** Where a container sees the node's fencing directory (read-only). */
    public static final String CONTAINER_FENCING_DIR = "/run/flotilla/fencing";

    /**
     * The node's lease file: {@code <data>/fencing/lease}. In a directory of its own because it is
     * replaced by a rename: a container gets the directory bind-mounted (a bind of the file itself
     * would keep showing the first version).
     */
    public static Path leaseFile(Path dataDir) {
        return dataDir.resolve("fencing").resolve("lease");
    }

    /** The deadline the task's watchdog fenced it at, if it did. */
    public static Optional<Instant> fencedAt(TaskDirectory directory) {
        try {
            String text = Files.readString(directory.root().resolve(FENCED_FILE)).strip();
            return Optional.of(Instant.ofEpochMilli(Long.parseLong(text)));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The error a fenced task ends with. */
    public static String error(Instant deadline) {
        return "fenced: node lost its lease with the managers at " + deadline;
    }

    /**
     * Writes the watchdog into the task directory and forgets an earlier fencing, before a start.
     */
    public static void prepare(TaskDirectory directory) throws IOException {
        Files.createDirectories(directory.root());
        Files.writeString(directory.root().resolve(WATCHDOG_FILE), WATCHDOG_SCRIPT);
        Files.deleteIfExists(directory.root().resolve(FENCED_FILE));
    }

    /**
     * The dead man's switch, run by {@code sh}:
     * {@code watchdog.sh TASKDIR LEASEFILE process} (kills the process group in TASKDIR/pid) or
     * {@code watchdog.sh TASKDIR LEASEFILE docker CONTAINER} ({@code docker kill -s KILL}).
     *
     * <p>Every 100 ms it reads the deadline, then the clock, and compares the clock with the
     * deadline read <em>one round earlier</em>: whatever point of the loop the watchdog is frozen
     * at (SIGSTOP, a suspended VM), the comparison after it wakes up spans the freeze, so a lease
     * the agent renewed meanwhile does not save a task that outlived its old deadline. A missing
     * or unreadable lease file counts as expired.
     */
    public static final String WATCHDOG_SCRIPT = """
            #!/bin/sh
            # Flotilla fencing watchdog, written by the agent. Usage:
            #   sh watchdog.sh TASKDIR LEASEFILE process           kill the process group in TASKDIR/pid
            #   sh watchdog.sh TASKDIR LEASEFILE docker CONTAINER  docker kill -s KILL CONTAINER
            # Kills the task once the deadline in LEASEFILE (epoch ms) has passed and writes that
            # deadline to TASKDIR/fenced.
            dir=$1
            lease=$2
            mode=$3
            container=$4
            printf '%s\\n' "$$" > "$dir/watchdog.pid"
            if [ "$mode" = process ]; then
                while [ ! -s "$dir/pid" ]; do
                    sleep 0.05
                done
                group=$(cat "$dir/pid")
            fi
            read_deadline() {
                deadline=$(cat "$lease" 2>/dev/null)
                case "$deadline" in
                    ''|*[!0-9]*) deadline=0 ;;
                esac
            }
            read_deadline
            previous=$deadline
            rounds=0
            while :; do
                read_deadline
                now=$(date +%s%3N)
                if [ "$now" -gt "$previous" ]; then
                    printf '%s\\n' "$previous" > "$dir/fenced.tmp" && mv -f "$dir/fenced.tmp" "$dir/fenced"
                    echo "fenced: lease expired at $(date -u -d "@$((previous / 1000))" +%Y-%m-%dT%H:%M:%SZ) ($previous); killing the task"
                    if [ "$mode" = process ]; then
                        kill -s KILL -- "-$group"
                    else
                        docker kill -s KILL "$container" >/dev/null 2>&1
                    fi
                    exit 0
                fi
                previous=$deadline
                rounds=$((rounds + 1))
                if [ "$mode" = docker ] && [ $((rounds % 50)) -eq 0 ]; then
                    running=$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)
                    [ "$running" = true ] || exit 0
                fi
                sleep 0.1
            done
            """;
}
