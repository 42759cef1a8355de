package io.flotilla.network;

import java.util.List;

/**
 * Runs the kernel's tools ({@code ip}, {@code bridge}, {@code iptables}, {@code sysctl}) for the
 * data plane: one argument list, no shell. The real one is {@link ProcessCommands}; tests record
 * or count what is run through their own.
 */
public interface Commands {
    /**
     * Runs one command and returns its standard output.
     *
     * @throws CommandFailedException if it cannot start, exits non-zero or times out
     */
    String run(List<String> argv);

    default String run(String... argv) {
        return run(List.of(argv));
    }

    /** The commands of the namespace this process runs in. */
    static Commands host() {
        return new ProcessCommands(List.of());
    }

    /**
     * The commands of the named network namespace ({@code /var/run/netns/<name>}), entered with
     * {@code nsenter --net} (not {@code ip netns exec}, which remounts /sys): a test in the
     * machine's namespace drives one data plane per simulated host.
     */
    static Commands inNamespace(String namespace) {
        if (namespace == null || !namespace.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("not a network namespace name: '" + namespace + "'");
        }
        return new ProcessCommands(List.of("nsenter", "--net=/var/run/netns/" + namespace));
    }
}
