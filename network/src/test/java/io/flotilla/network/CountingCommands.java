package io.flotilla.network;

import java.util.ArrayList;
import java.util.List;

/** Runs through another {@link Commands} and keeps every command line, to count reads and writes. */
final class CountingCommands implements Commands {
    /** What {@link KernelStateReader} and the forwarding check run: reads, which change nothing. */
    private static final List<String> READS = List.of("ip -d -j addr show", "bridge -j fdb show", "ip -j neigh show",
            "iptables -w -S", "iptables -w -t nat -S", "sysctl -n ", "ip -j link show", "ip -j netns list", "ip -n ");

    private final Commands delegate;
    private final List<String> lines = new ArrayList<>();

    CountingCommands(Commands delegate) {
        this.delegate = delegate;
    }

    @Override
    public String run(List<String> argv) {
        synchronized (this) {
            lines.add(String.join(" ", argv));
        }
        return delegate.run(argv);
    }

    synchronized List<String> all() {
        return List.copyOf(lines);
    }

    /** The commands run that change something. */
    synchronized List<String> writes() {
        List<String> writes = new ArrayList<>();
        for (String line : lines) {
            boolean read = READS.stream().anyMatch(line::startsWith) && !(line.startsWith("ip -n ") && !line.contains(" show"));
            if (!read) {
                writes.add(line);
            }
        }
        return writes;
    }

    synchronized void clear() {
        lines.clear();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
