package io.flotilla.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code stress --cpu N} without the package: N shell processes that spin, at the same priority as
 * the nodes, for as long as this is open. Used to check that a loaded host's heartbeats still
 * arrive in time (issue 18: no false node-down under CPU load on every core).
 */
final class CpuStress implements AutoCloseable {
    private final List<Process> spinners = new ArrayList<>();

    private CpuStress() {}

    static CpuStress start(int processes) throws IOException {
        CpuStress stress = new CpuStress();
        try {
            for (int i = 0; i < processes; i++) {
                stress.spinners.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
            }
        } catch (IOException e) {
            stress.close();
            throw e;
        }
        return stress;
    }

    @Override
    public void close() {
        spinners.forEach(Process::destroyForcibly);
    }
}
