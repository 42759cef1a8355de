package io.flotilla.agent.driver;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Process groups on Linux: who is in one, and signalling all of it with {@code kill -s SIG -- -PGID}. */
public final class ProcessGroups {
    private static final Logger log = LoggerFactory.getLogger(ProcessGroups.class);

    private ProcessGroups() {}

    /** The live processes whose process group is {@code processGroup}. */
    public static List<Long> members(long processGroup) {
        return ProcessHandle.allProcesses().map(ProcessHandle::pid)
                .filter(pid -> ProcessIdentity.ProcStat.read(pid)
                        .map(stat -> !stat.zombie() && stat.processGroup() == processGroup).orElse(false))
                .toList();
    }

    public static boolean isEmpty(long processGroup) {
        return members(processGroup).isEmpty();
    }

    /** Sends {@code signal} to every process of the group; true if {@code kill} succeeded. */
    public static boolean signal(long processGroup, String signal) throws IOException {
        if (processGroup <= 1) {
            throw new IllegalArgumentException("refusing to signal process group " + processGroup);
        }
        Process kill = new ProcessBuilder("kill", "-s", Signals.normalize(signal), "--", "-" + processGroup)
                .redirectErrorStream(true).start();
        try {
            kill.getOutputStream().close();
            String output = new String(kill.getInputStream().readAllBytes()).trim();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IOException("kill did not finish in 10 s");
            }
            if (kill.exitValue() != 0) {
                log.debug("kill -s {} -- -{}: {}", signal, processGroup, output);
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signalling process group " + processGroup, e);
        }
    }

    /** SIGKILL to the group if anything is left in it; never throws. */
    public static void killQuietly(long processGroup) {
        try {
            if (!isEmpty(processGroup)) {
                signal(processGroup, "KILL");
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not kill process group {}: {}", processGroup, e.getMessage());
        }
    }
}
