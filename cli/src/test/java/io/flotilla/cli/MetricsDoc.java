package io.flotilla.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The meters docs/metrics.md documents, read from its table: each name with where it is exported
 * (its <b>Where</b> column). What the tests hold the code and the Grafana dashboard to.
 */
record MetricsDoc(Map<String, Where> meters) {
    static final Path FILE = DevNodeProcess.ROOT.resolve("docs/metrics.md");
    private static final Pattern ROW = Pattern.compile("^\\| `(flotilla_[a-z_]+)` \\| ([a-z]+) \\|[^|]*\\| ([^|]+) \\|");

    /** The Where column's kinds. */
    enum Where {
        MANAGER, EVERY_NODE, WITH_DOCKER, MESH;

        static Where of(String text) {
            return switch (text.trim()) {
                case "manager" -> MANAGER;
                case "every node", "every node with a mesh" -> EVERY_NODE;
                case "every node with Docker" -> WITH_DOCKER;
                case "mesh" -> MESH;
                default -> throw new IllegalArgumentException("docs/metrics.md: unknown Where '" + text + "'");
            };
        }
    }

    static MetricsDoc read() throws IOException {
        Map<String, Where> meters = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(FILE)) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                meters.put(row.group(1), Where.of(row.group(3)));
            }
        }
        return new MetricsDoc(meters);
    }

    List<String> names(Where... kinds) {
        List<Where> wanted = Arrays.asList(kinds);
        List<String> names = new ArrayList<>();
        meters.forEach((name, where) -> {
            if (wanted.contains(where)) {
                names.add(name);
            }
        });
        return names;
    }
}
