package io.flotilla.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRotatorTest {
    @TempDir
    Path dir;

    @Test
    void copyTruncatesAndKeepsTheNewestRotations() throws IOException {
        Path log = dir.resolve("output.log");
        LogRotator rotator = new LogRotator(10, 3);
        Files.writeString(log, "small\n");
        assertThat(rotator.rotateIfNeeded(log)).isFalse();

        for (int round = 1; round <= 5; round++) {
            Files.writeString(log, "round " + round + " is long enough\n", StandardOpenOption.APPEND);
            assertThat(rotator.rotateIfNeeded(log)).isTrue();
            assertThat(log).isEmptyFile();
        }

        assertThat(LogRotator.rotated(log, 1)).hasContent("round 5 is long enough");
        assertThat(LogRotator.rotated(log, 2)).hasContent("round 4 is long enough");
        assertThat(LogRotator.rotated(log, 3)).hasContent("round 3 is long enough");
        assertThat(LogRotator.rotated(log, 4)).doesNotExist();
    }

    @Test
    void aWriterWithOAppendContinuesAtTheStartAfterTruncation() throws IOException {
        Path log = dir.resolve("output.log");
        try (var writer = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            writer.write("0123456789abcdef\n".getBytes());
            writer.flush();
            new LogRotator(10, 1).rotateIfNeeded(log);
            writer.write("after\n".getBytes());
        }
        assertThat(log).hasContent("after");
    }
}
