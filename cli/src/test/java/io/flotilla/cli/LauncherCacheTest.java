package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class cache (scripts/cli-cache.sh) on a distribution of its own, made from this
 * test's class path: the real ./flotilla and scripts, real java. A cache is made by a training
 * run, then used (the JVM's class+load log says where io.flotilla.cli.Main came from); a jar
 * newer than the cache makes a new one; a corrupt cache changes nothing a user sees and is
 * replaced; node commands run without it.
 */
class LauncherCacheTest {
    /** JDK 25+ makes an AOT cache, older ones an AppCDS archive (a dynamic one: its classes come from its "top" layer). */
    private static final boolean AOT = Runtime.version().feature() >= 25;
    private static final String KIND = AOT ? "aot" : "cds";
    private static final String CACHED = AOT ? "shared objects file" : "shared objects file (top)";

    @TempDir Path tmp;
    private Path root;
    private Path lib;
    private Path cache;

    @BeforeEach
    void distribution() throws Exception {
        root = tmp.resolve("root");
        lib = Files.createDirectories(root.resolve("cli/target/flotilla/lib"));
        cache = tmp.resolve("cache");
        Path source = DevNodeProcess.ROOT;
        Files.createDirectories(root.resolve("scripts"));
        Files.copy(source.resolve("flotilla"), root.resolve("flotilla"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        for (String script : List.of("find-java.sh", "cli-cache.sh", "cli-daemon.sh")) {
            Files.copy(source.resolve("scripts").resolve(script), root.resolve("scripts").resolve(script));
        }
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path) && path.getFileName().toString().equals("classes")) {
                String module = path.getParent().getParent().getFileName().toString();
                jar(path, lib.resolve("flotilla-" + module + "-test.jar"));
            } else if (entry.endsWith(".jar")) {
                Files.copy(path, lib.resolve(path.getFileName()));
            }
        }
    }

    @Test
    void aCacheIsMadeUsedAndMadeAgainWhenAJarChanges() throws Exception {
        Run first = launch(Map.of("FLOTILLA_CLI_CACHE_SYNC", "1"), "--version");
        assertThat(first.out()).isEqualTo("flotilla 0.1.0\n");
        Path made = onlyCache();
        assertThat(made.getFileName().toString()).startsWith("cli-" + KIND + "-").endsWith("." + KIND);
        assertThat(mainSource("--version")).isEqualTo(CACHED);

        // The jar changed after the cache was made (both times in the past, so the cache made
        // anew is newer than the jar however fast its training runs).
        Path jar = lib.resolve("flotilla-cli-test.jar");
        Files.setLastModifiedTime(made, FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(30)));
        launch(Map.of("FLOTILLA_CLI_CACHE_SYNC", "1"), "--version");
        assertThat(Files.getLastModifiedTime(onlyCache())).isGreaterThan(Files.getLastModifiedTime(jar));
        assertThat(mainSource("--version")).isEqualTo(CACHED);
    }

    @Test
    void aCorruptCacheChangesNothingAUserSeesAndIsReplaced() throws Exception {
        launch(Map.of("FLOTILLA_CLI_CACHE_SYNC", "1"), "--version");
        Path made = onlyCache();
        Files.writeString(made, "not a cache ".repeat(1000));
        Files.setLastModifiedTime(made, FileTime.from(Instant.now().plusSeconds(5)));

        Run corrupt = launch(Map.of(), "--version");
        assertThat(corrupt.exitCode()).isZero();
        assertThat(corrupt.out()).isEqualTo("flotilla 0.1.0\n");
        assertThat(corrupt.err()).isEmpty();
        assertThat(made).as("the launcher's java deleted what it could not map").doesNotExist();

        launch(Map.of("FLOTILLA_CLI_CACHE_SYNC", "1"), "--version");
        assertThat(mainSource("--version")).isEqualTo(CACHED);
    }

    @Test
    void appCdsBeforeJdk25IsMadeAndUsedTheSameWay() throws Exception {
        launch(Map.of("FLOTILLA_CLI_CACHE_SYNC", "1", "FLOTILLA_CLI_CACHE_KIND", "cds"), "--version");
        assertThat(onlyCache().getFileName().toString()).startsWith("cli-cds-").endsWith(".cds");
        assertThat(mainSource("--version", "FLOTILLA_CLI_CACHE_KIND", "cds")).isEqualTo("shared objects file (top)");
    }

    @Test
    void nodeCommandsRunWithoutTheCacheAndOffMeansNone() throws Exception {
        launch(Map.of("FLOTILLA_CLI_CACHE_SYNC", "1"), "--version");
        onlyCache();
        assertThat(mainSource("dev", "--help")).startsWith("file:");
        Run off = launch(Map.of("FLOTILLA_CLI_CACHE", "off"), "--version");
        assertThat(off.out()).isEqualTo("flotilla 0.1.0\n");
    }

    private Path onlyCache() throws IOException {
        try (var files = Files.list(cache)) {
            List<Path> caches = files.filter(f -> f.getFileName().toString().startsWith("cli-")).toList();
            assertThat(caches).as("caches in " + cache + "; training log: " + trainingLog()).hasSize(1);
            return caches.getFirst();
        }
    }

    private String trainingLog() throws IOException {
        Path log = cache.resolve("training.log");
        return Files.exists(log) ? Files.readString(log).lines().filter(l -> !l.contains("Skipping")).toList().toString() : "none";
    }

    /** Where io.flotilla.cli.Main came from in a run of {@code args}: "shared objects file" (the cache) or the jar. */
    private String mainSource(String... argsAndEnv) throws Exception {
        List<String> args = new ArrayList<>();
        Map<String, String> env = new java.util.HashMap<>();
        for (int i = 0; i < argsAndEnv.length; i++) {
            if (argsAndEnv[i].startsWith("FLOTILLA_")) {
                env.put(argsAndEnv[i], argsAndEnv[++i]);
            } else {
                args.add(argsAndEnv[i]);
            }
        }
        Path log = tmp.resolve("classes-" + System.nanoTime() + ".log");
        env.put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + log);
        Run run = launch(env, args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return Files.readAllLines(log).stream().filter(l -> l.contains(" io.flotilla.cli.Main source: "))
                .map(l -> l.substring(l.indexOf("source: ") + "source: ".length())).findFirst().orElseThrow();
    }

    record Run(int exitCode, String out, String err) {}

    private Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(root.resolve("flotilla").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("FLOTILLA_CLI_CACHE", cache.toString());
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().put("FLOTILLA_CLI_DAEMON", "0"); // the class cache alone: CliDaemonIT tests the daemon
        builder.environment().putAll(env);
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("flotilla " + args[0] + " did not end within 180 s");
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); var files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new ZipEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, (OutputStream) out);
                out.closeEntry();
            }
        }
    }
}
