package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A stack file is what a user, or anyone who can hand one to {@code flotilla stack deploy}, types:
 * from any bytes the loader (YAML, merge, interpolation, schema, mapping) returns a stack or a
 * {@link ComposeException}, and in bounded time. Any other throwable (a stack overflow on deep
 * nesting, an out-of-memory on alias expansion, a NullPointerException in a mapper) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs once per file of
 * {@code ComposeLoaderFuzzTestInputs/loadsOrRefuses/} (the regression corpus); with it, Jazzer
 * mutates them, guided by coverage ({@code scripts/fuzz.sh}).
 */
class ComposeLoaderFuzzTest {
    /**
     * Larger inputs are skipped: 4 KiB holds every realistic shape and keeps each run fast. The
     * loader bounds what a small file can expand to (aliases, nested substitutions: {@code
     * ComposeLoaderFuzzTestInputs/} keeps the fuzzer's findings of both, now refused at once).
     */
    private static final int MAX_INPUT = 4 * 1024;
    /** Loading a 4 KiB file takes milliseconds; seconds mean super-linear work on some shape (or a loaded machine). */
    private static final long MAX_NANOS = 5_000_000_000L;
    /** One directory per JVM, without a {@code .env}: the loader reads the file from disk. */
    private static final Path DIRECTORY = directory();
    private static final ComposeLoader LOADER = new ComposeLoader(Map.of("HOME", "/home/fuzz", "TAG", "1.2"));

    @FuzzTest(maxDuration = "20s")
    void loadsOrRefuses(byte[] input) throws IOException {
        if (input.length > MAX_INPUT) {
            return;
        }
        Path file = DIRECTORY.resolve("compose.yaml");
        Files.write(file, input);
        long nanos = timedLoad(file);
        if (nanos >= MAX_NANOS) {
            // The first file to reach a part of the loader pays for loading (and, when fuzzing,
            // instrumenting) its classes: seconds on a cold JVM (CI saw 6 s for features.yaml).
            // Super-linear work is slow again on the second load; a cold start is not.
            nanos = timedLoad(file);
        }
        assertThat(nanos).as("load time in ns (second try)").isLessThan(MAX_NANOS);
    }

    private static long timedLoad(Path file) {
        long start = System.nanoTime();
        try {
            LoadedStack stack = LOADER.load(file, null);
            assertThat(stack.stack()).isNotNull();
        } catch (ComposeException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
        return System.nanoTime() - start;
    }


    private static Path directory() {
        try {
            Path directory = Files.createTempDirectory("flotillafuzz");
            directory.toFile().deleteOnExit();
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
