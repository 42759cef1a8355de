package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small files written to exhaust the loader (security issue 17): each must be refused quickly
 * with a ComposeException naming the file, never an OutOfMemoryError or StackOverflowError.
 */
class HostileComposeFileTest {
    @TempDir
    Path directory;

    /** Nine levels of nine aliases each: 584 bytes that expand to 9^9 (387 million) strings. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void billionLaughsAliasesAreRefused() throws IOException {
        StringBuilder yaml = new StringBuilder("services:\n  web:\n    image: nginx\n");
        yaml.append("x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char level = 'b'; level <= 'i'; level++) {
            String previous = "*" + (char) (level - 1);
            yaml.append("x-").append(level).append(": &").append(level).append(" [")
                    .append(String.join(",", java.util.Collections.nCopies(9, previous))).append("]\n");
        }
        Path file = write("laughs.yaml", yaml.toString());

        ComposeException error = refused(file);

        assertThat(error.getMessage()).contains("more than 100000 nodes once its aliases are expanded");
        assertThat(error.line()).as(error.getMessage()).isPositive();
    }

    /** {@code ${A:-${A:-...}}} two thousand deep: 12 KB. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void deeplyNestedDefaultsAreRefused() throws IOException {
        int depth = 2_000;
        String value = "${A:-".repeat(depth) + "x" + "}".repeat(depth);
        Path file = write("nested.yaml", "services:\n  web:\n    image: nginx\n    environment:\n      X: \""
                + value + "\"\n");

        ComposeException error = refused(file);

        assertThat(error.getMessage()).contains("services.web.environment.X")
                .contains("substitutions nested more than 32 deep");
        assertThat(error.line()).as(error.getMessage()).isEqualTo(5);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void interpolationOutputIsBounded() throws IOException {
        String big = "y".repeat(64 * 1024);
        Path file = write("long.yaml", "services:\n  web:\n    image: nginx\n    environment:\n      X: \""
                + "$B".repeat(40) + "\"\n");

        ComposeException error = catchThrowableOfComposeException(
                () -> new ComposeLoader(Map.of("B", big)).load(file, "test"));

        assertThat(error.getMessage()).contains("services.web.environment.X").contains("longer than");
    }

    /** Six thousand nested flow sequences: 12 KB. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void deeplyNestedDocumentIsRefused() throws IOException {
        int depth = 6_000;
        Path file = write("deep.yaml", "services:\n  web:\n    image: nginx\nx-deep: " + "[".repeat(depth)
                + "]".repeat(depth) + "\n");

        ComposeException error = refused(file);

        assertThat(error.getMessage()).contains("nested more than");
        assertThat(error.line()).as(error.getMessage()).isEqualTo(4);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(directory.resolve(name), text);
    }

    private static ComposeException refused(Path file) {
        ComposeException error = catchThrowableOfComposeException(() -> new ComposeLoader(Map.of()).load(file, "test"));
        assertThat(error.file()).isEqualTo(file);
        assertThat(error.getMessage()).startsWith(file + ":");
        return error;
    }

    private static ComposeException catchThrowableOfComposeException(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable load) {
        Throwable thrown = catchThrowable(load);
        assertThat(thrown).as("refused with a ComposeException").isInstanceOf(ComposeException.class);
        return (ComposeException) thrown;
    }
}
