package io.flotilla.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One contender's tree of N small build contexts and the Compose file that names them: each
 * context a Dockerfile {@code FROM} the offline test image, a {@code COPY} of a few files and a
 * {@code RUN} step. Every contender has its own tree, so that one's cold build never finds the
 * layers another just built; {@link #freshen} writes a new unique file into every context, so the
 * next build misses the cache from the {@code COPY} on (a cold build over the same base image).
 */
final class BuildContexts {
    static final String DOCKERFILE = """
            FROM %s
            COPY files/ /app/
            RUN cat /app/* | wc -c > /app.size && ls -l /app > /app.list
            CMD ["sleep", "3600"]
            """;

    private final Path root;
    private final int services;
    private final ImageNames images;
    private int generation;

    private BuildContexts(Path root, int services, ImageNames images) {
        this.root = root;
        this.services = services;
        this.images = images;
    }

    /** Writes {@code services} contexts under {@code root} and a Compose file naming each image by {@code image}. */
    static BuildContexts create(Path root, int services, String baseImage, ImageNames image) throws IOException {
        BuildContexts contexts = new BuildContexts(root, services, image);
        StringBuilder compose = new StringBuilder("services:\n");
        for (String service : contexts.names()) {
            Path context = Files.createDirectories(root.resolve(service).resolve("files"));
            Files.writeString(root.resolve(service).resolve("Dockerfile"), DOCKERFILE.formatted(baseImage));
            for (int file = 1; file <= 3; file++) {
                Files.writeString(context.resolve("static-" + file + ".txt"), (service + " file " + file + "\n").repeat(200));
            }
            compose.append("  ").append(service).append(":\n")
                    .append("    build: ./").append(service).append('\n')
                    .append("    image: ").append(image.of(service)).append('\n')
                    .append("    init: true\n")
                    .append("    stop_signal: SIGKILL\n");
        }
        Files.writeString(contexts.composeFile(), compose.toString());
        contexts.freshen();
        return contexts;
    }

    /** The image a service of this tree is tagged with. */
    interface ImageNames {
        String of(String service);
    }

    /** s01, s02 … */
    List<String> names() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= services; i++) {
            names.add("s%02d".formatted(i));
        }
        return names;
    }

    /** The image the Compose file names for {@code service}. */
    String image(String service) {
        return images.of(service);
    }

    Path composeFile() {
        return root.resolve("compose.yaml");
    }

    Path context(String service) {
        return root.resolve(service);
    }

    /** A new unique file in every context (the previous one goes): the next build misses the cache. */
    void freshen() throws IOException {
        generation++;
        for (String service : names()) {
            Path files = root.resolve(service).resolve("files");
            Files.deleteIfExists(files.resolve("run-" + (generation - 1) + ".txt"));
            Files.writeString(files.resolve("run-" + generation + ".txt"),
                    root + " " + service + " generation " + generation + " " + System.nanoTime() + "\n");
        }
    }
}
