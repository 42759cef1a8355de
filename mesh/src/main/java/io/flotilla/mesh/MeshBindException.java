package io.flotilla.mesh;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Thrown by {@link Mesh#apply} when some listeners could not be opened. The others were applied;
 * the failed ones are not running and will be tried again by the next {@code apply}.
 *
 * @see #failures() which listener failed and why
 */
public final class MeshBindException extends RuntimeException {
    private final transient Map<MeshListener, Throwable> failures;

    public MeshBindException(Map<MeshListener, Throwable> failures) {
        super(message(failures));
        this.failures = Map.copyOf(failures);
        failures.values().forEach(this::addSuppressed);
    }

    /** Each listener that failed to bind, with the cause. */
    public Map<MeshListener, Throwable> failures() {
        return failures;
    }

    private static String message(Map<MeshListener, Throwable> failures) {
        List<String> lines = failures.entrySet().stream()
                .map(e -> e.getKey().protocol() + " " + e.getKey().bindAddress() + ":" + e.getKey().port() + ": " + e.getValue().getMessage())
                .sorted()
                .toList();
        return "could not open " + failures.size() + " mesh listener(s): " + lines.stream().collect(Collectors.joining("; "));
    }
}
