package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.flotilla.cli.Main;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --log-level is read before anything is made; the node commands refuse a bad one with no data dir left behind. */
class LogCliOptionsTest {
    @TempDir Path tmp;

    @Test
    void levelsAreReadInAnyCase() {
        LogCliOptions options = new LogCliOptions();
        options.level = "Debug";
        assertThat(options.level()).isEqualTo(Level.DEBUG);
        options.level = " warn ";
        assertThat(options.level()).isEqualTo(Level.WARN);
    }

    @Test
    void anUnknownLevelIsRefusedByName() {
        LogCliOptions options = new LogCliOptions();
        options.level = "loud";
        assertThatThrownBy(options::level).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--log-level must be one of error, warn, info, debug, trace: loud");
        options.level = "off";
        assertThatThrownBy(options::level).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void devAndDemoRefuseABadLevelBeforeMakingTheirDataDir() {
        Path data = tmp.resolve("data");
        assertThat(Main.run("dev", "--data", data.toString(), "--log-level", "loud")).isEqualTo(1);
        assertThat(Main.run("demo", "--data", data.toString(), "--log-level", "loud", "-c", "missing.yaml")).isEqualTo(1);
        assertThat(data).doesNotExist();
    }
}
