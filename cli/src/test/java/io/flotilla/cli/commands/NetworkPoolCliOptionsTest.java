package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.NetworkPool;
import io.flotilla.node.NetworkPoolSetting;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code init --network-pool CIDR[,CIDR] --network-size N}: checked first, kept for the manager that makes the cluster. */
class NetworkPoolCliOptionsTest {
    @TempDir
    Path data;

    private static NetworkPoolCliOptions parse(String... args) {
        InitCommand init = new InitCommand();
        new CommandLine(init).parseArgs(args);
        return init.networkPool;
    }

    @Test
    void aGivenPoolIsSavedForTheNewClusterAndNoneKeepsTheDefault() throws Exception {
        parse("--data", data.toString()).save(data, false);
        assertThat(NetworkPoolSetting.load(data)).as("none given: the manager's default").isNull();

        parse("--data", data.toString(), "--network-pool", "172.30.0.0/16,10.200.0.0/16", "--network-size", "26")
                .save(data, false);
        assertThat(NetworkPoolSetting.load(data)).isEqualTo(new NetworkPool(List.of("172.30.0.0/16", "10.200.0.0/16"), 26));
    }

    @Test
    void oneOptionAloneTakesTheOtherFromTheDefault() throws Exception {
        assertThat(parse("--data", "d", "--network-size", "20").check()).isEqualTo(new NetworkPool(List.of("10.0.0.0/8"), 20));
        assertThat(parse("--data", "d", "--network-pool", "172.16.0.0/12").check())
                .isEqualTo(new NetworkPool(List.of("172.16.0.0/12"), 24));
    }

    @Test
    void aRestartMayRepeatThePoolButNotChangeIt() throws Exception {
        parse("--data", data.toString(), "--network-pool", "172.30.0.0/16").save(data, false);
        parse("--data", data.toString(), "--network-pool", "172.30.0.0/16").save(data, true);
        parse("--data", data.toString()).save(data, true);
        assertThatThrownBy(() -> parse("--data", data.toString(), "--network-pool", "172.31.0.0/16").save(data, true))
                .hasMessageContaining("cannot change").hasMessageContaining("172.30.0.0/16");
        assertThat(NetworkPoolSetting.load(data)).isEqualTo(new NetworkPool(List.of("172.30.0.0/16"), 24));
    }

    @Test
    void badPoolsAreRefusedBeforeAnythingStarts() {
        for (String bad : List.of("10.0.0.0", "10.0.0.1/8", "300.0.0.0/8", "fd00::/8", "127.0.0.0/8", "10.0.0.0/28")) {
            assertThatThrownBy(() -> parse("--data", "d", "--network-pool", bad).check()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--network-pool");
        }
        assertThatThrownBy(() -> parse("--data", "d", "--network-size", "30").check())
                .hasMessageContaining("network size must be between 8 and 29");
    }
}
