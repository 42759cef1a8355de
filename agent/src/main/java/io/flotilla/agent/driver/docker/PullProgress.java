package io.flotilla.agent.driver.docker;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Sums a pull's per-layer progress into one line ({@code pulling image x: 12.3 MB / 40.0 MB}) and
 * hands it on at most once per {@link #INTERVAL}, so a status report is not sent per chunk.
 */
final class PullProgress {
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private record Layer(long current, long total) {}

    private final String image;
    private final InstantSource clock;
    private final Consumer<String> sink;
    private final Map<String, Layer> layers = new LinkedHashMap<>();
    private Instant lastSent;

    PullProgress(String image, InstantSource clock, Consumer<String> sink) {
        this.image = image;
        this.clock = clock;
        this.sink = sink;
    }

    /** One progress item from the daemon: a layer id, its status text, bytes so far and in all (null if not given). */
    synchronized void update(String layerId, String status, Long current, Long total) {
        if (layerId == null) {
            return;
        }
        Layer previous = layers.getOrDefault(layerId, new Layer(0, 0));
        if (status != null && (status.startsWith("Pull complete") || status.startsWith("Already exists"))) {
            layers.put(layerId, new Layer(previous.total(), previous.total()));
        } else if (status != null && status.startsWith("Downloading") && total != null && total > 0) {
            layers.put(layerId, new Layer(current == null ? 0 : current, total));
        } else {
            layers.putIfAbsent(layerId, previous);
        }
        Instant now = clock.instant();
        if (lastSent == null || !now.isBefore(lastSent.plus(INTERVAL))) {
            lastSent = now;
            sink.accept(message());
        }
    }

    synchronized String message() {
        long current = layers.values().stream().mapToLong(Layer::current).sum();
        long total = layers.values().stream().mapToLong(Layer::total).sum();
        return "pulling image " + image + ": " + megabytes(current) + " / " + megabytes(total);
    }

    static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
    }
}
