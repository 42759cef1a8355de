package io.flotilla.manager.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The page's files, built by Vite at build time (module {@code dashboard-ui}) and read from the
 * class path under {@value #ROOT}: a node serves them with no Node.js at run time. A missing build
 * (a class path without the module) serves nothing, and the API says so rather than fail.
 */
public final class DashboardAssets {
    static final String ROOT = "io/flotilla/dashboard/ui/";
    /** Names Vite writes: no {@code ..}, no absolute path, nothing to escape the root. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "json", "application/json",
            "png", "image/png", "ico", "image/x-icon", "map", "application/json");

    /** A file and its content type. */
    public record Asset(String contentType, byte[] bytes, boolean immutable) {}

    private final ClassLoader loader;
    private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

    public DashboardAssets() {
        this(DashboardAssets.class.getClassLoader());
    }

    DashboardAssets(ClassLoader loader) {
        this.loader = loader;
    }

    /** {@code name} under the page's root ({@code index.html}, {@code assets/index-AbC1.js}), or empty. */
    public Optional<Asset> get(String name) {
        if (name == null || name.length() > 200 || !NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        return cache.computeIfAbsent(name, this::load);
    }

    private Optional<Asset> load(String name) {
        try (InputStream in = loader.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                return Optional.empty();
            }
            int dot = name.lastIndexOf('.');
            String type = TYPES.getOrDefault(dot < 0 ? "" : name.substring(dot + 1), "application/octet-stream");
            // Vite names what it bundles by content hash (assets/…): those never change under a name.
            return Optional.of(new Asset(type, in.readAllBytes(), name.startsWith("assets/")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
