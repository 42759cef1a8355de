package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.node.LeaseSetting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --lease} on dev/init/join: parsed, checked before anything starts, kept in the data dir. */
class LeaseCliOptionsTest {
    @TempDir
    Path data;

    private static LeaseCliOptions parse(String... args) {
        InitCommand init = new InitCommand();
        new CommandLine(init).parseArgs(args);
        return init.lease;
    }

    @Test
    void aGivenLeaseIsSavedAndLoadedAndAnAbsentOneKeepsTheDefault() throws Exception {
        assertThat(LeaseSetting.load(data)).as("none set: the manager's default").isNull();
        parse("--data", data.toString()).save(data);
        assertThat(LeaseSetting.load(data)).isNull();

        parse("--data", data.toString(), "--lease", "1500ms").save(data);
        assertThat(LeaseSetting.load(data)).isEqualTo(Duration.ofMillis(1500));
        parse("--data", data.toString()).save(data);
        assertThat(LeaseSetting.load(data)).as("a restart without the flag keeps it").isEqualTo(Duration.ofMillis(1500));
        parse("--data", data.toString(), "--lease", "3s").save(data);
        assertThat(LeaseSetting.load(data)).isEqualTo(Duration.ofSeconds(3));
        assertThat(data.resolve("lease")).as("the agent's own lease file is another one").doesNotExist();
    }

    @Test
    void badValuesAreRefusedAndChangeNothing() throws Exception {
        parse("--data", data.toString(), "--lease", "2s").save(data);
        for (String bad : new String[] {"50ms", "0s", "11m", "5", "five seconds", "-1s"}) {
            assertThatThrownBy(() -> parse("--data", data.toString(), "--lease", bad).save(data))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--lease");
        }
        assertThat(LeaseSetting.load(data)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void anUnreadableSavedLeaseSaysHowToFixIt() throws Exception {
        Files.writeString(data.resolve("manager-lease-ms"), "soon");
        assertThatThrownBy(() -> LeaseSetting.load(data)).hasMessageContaining("start the node with --lease again");
    }
}
