package io.flotilla.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The previous release, for the upgrade test: Flotilla's own jars as that release built them, kept in
 * {@code bench/fixtures/previous-release/lib} (made by {@code scripts/previous-release.sh COMMIT}), and
 * the names of the third-party jars it ran with ({@code dependencies.txt}), taken from this build's
 * class path. A dependency this build no longer has is an error that says so: the fixture must then
 * carry that jar too.
 */
final class PreviousRelease {
    static final Path FIXTURE = Path.of("fixtures", "previous-release");

    private PreviousRelease() {}

    /** The release's commit and date, as its RELEASE file gives them. */
    static String describe() throws IOException {
        return Files.readString(FIXTURE.resolve("RELEASE")).strip();
    }

    /** A class path that runs the previous release: its own jars, then the third-party jars it lists. */
    static String classPath() throws IOException {
        List<String> entries = new ArrayList<>();
        try (var jars = Files.list(FIXTURE.resolve("lib"))) {
            jars.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted()
                    .forEach(p -> entries.add(p.toAbsolutePath().toString()));
        }
        if (entries.isEmpty()) {
            throw new IllegalStateException("no jars in " + FIXTURE.resolve("lib").toAbsolutePath()
                    + ": run scripts/previous-release.sh COMMIT");
        }
        Map<String, String> current = new LinkedHashMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            current.putIfAbsent(Path.of(entry).getFileName().toString(), entry);
        }
        List<String> missing = new ArrayList<>();
        for (String name : Files.readAllLines(FIXTURE.resolve("dependencies.txt"))) {
            if (name.isBlank()) {
                continue;
            }
            String path = current.get(name.strip());
            if (path == null) {
                missing.add(name.strip());
            } else {
                entries.add(path);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the previous release (" + describe().lines().findFirst().orElse("?")
                    + ") ran with jars this build no longer has: " + missing + "; put them in " + FIXTURE.resolve("lib"));
        }
        return String.join(File.pathSeparator, entries);
    }
}
