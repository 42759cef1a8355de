package io.flotilla.cli.commands;

import io.flotilla.node.LeaseSetting;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --lease DURATION}: the lease this node's manager grants agents while it leads (fencing of
 * stateful tasks, docs/stateful.md). Kept in the data dir, so a restart on the same {@code --data}
 * keeps it; given again, it replaces the value. Give every manager the same value.
 */
public final class LeaseCliOptions {
    @Option(names = "--lease", paramLabel = "DURATION",
            description = "Lease granted to agents with each heartbeat answer while this node's manager leads"
                    + " (default 5s; e.g. 3s, 1500ms): an agent cut off for longer kills its stateful tasks, and a"
                    + " lost node's stateful tasks start elsewhere after its last heartbeat + lease + 1 s.")
    String lease;

    /** Refuses a bad value before the node does anything; null when not given. */
    Duration check() {
        if (lease == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(lease.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("--lease must be a duration such as 5s, 1500ms or 1m: " + lease);
        }
        long n = Long.parseLong(m.group(1));
        Duration parsed = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        LeaseSetting.check(parsed);
        return parsed;
    }

    /** Saves the value given (if any) for the node's manager. */
    void save(Path data) throws IOException {
        Duration parsed = check();
        if (parsed != null) {
            LeaseSetting.save(data, parsed);
        }
    }
}
