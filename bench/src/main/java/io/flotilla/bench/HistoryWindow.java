package io.flotilla.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The smallest failing window of a non-linearizable history, to read instead of the whole run:
 * the operations in call order, cut to the shortest failing prefix, then started as late as it still
 * fails with the register's first value unknown (so a window is itself proof of a violation, needing
 * nothing before it).
 */
final class HistoryWindow {
    private HistoryWindow() {}

    /** The window; the whole (relevant) history if no smaller one fails. */
    static List<RegisterOp> minimize(List<RegisterOp> history) {
        List<RegisterOp> ops = new ArrayList<>(LinearizabilityChecker.relevant(history));
        ops.sort(Comparator.comparingLong(RegisterOp::invoke));
        int end = ops.size();
        for (int i = 1; i <= ops.size(); i++) {
            if (LinearizabilityChecker.check(ops.subList(0, i)) == LinearizabilityChecker.Verdict.VIOLATION) {
                end = i;
                break;
            }
        }
        List<RegisterOp> prefix = ops.subList(0, end);
        if (LinearizabilityChecker.check(prefix) != LinearizabilityChecker.Verdict.VIOLATION) {
            return List.copyOf(ops);
        }
        for (int start = end - 1; start > 0; start--) {
            if (LinearizabilityChecker.check(ops.subList(start, end), true) == LinearizabilityChecker.Verdict.VIOLATION) {
                return List.copyOf(ops.subList(start, end));
            }
        }
        return List.copyOf(prefix);
    }

    /** Writes {@code window} to {@code file}, one operation a line, times relative to its first call. */
    static void write(Path file, String title, List<RegisterOp> window) throws IOException {
        long origin = window.stream().mapToLong(RegisterOp::invoke).min().orElse(0);
        List<String> lines = new ArrayList<>();
        lines.add("# " + title);
        lines.add("# client kind register value call_ms return_ms outcome (return ∞: may or may not have taken effect)");
        for (RegisterOp op : window) {
            lines.add(String.format("%d %s %s %s %.3f %s %s", op.client(), op.kind(), op.register(), op.value(),
                    (op.invoke() - origin) / 1e6, op.complete() == Long.MAX_VALUE ? "∞"
                            : String.format("%.3f", (op.complete() - origin) / 1e6), op.outcome()));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, lines);
    }
}
