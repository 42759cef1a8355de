package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --overlay} on init and join: off unless asked (the loopback test clusters run several
 * nodes in one namespace and pass nothing), on with the flag.
 */
class OverlayCliOptionsTest {
    @Test
    void theOverlayIsOffByDefaultAndOnWithTheFlag() {
        InitCommand init = new InitCommand();
        new CommandLine(init).parseArgs("--data", "/tmp/x");
        assertThat(init.overlay.on).as("FLOTILLA_OVERLAY is not set in the build").isEqualTo(
                "1".equals(System.getenv("FLOTILLA_OVERLAY")) || "true".equalsIgnoreCase(System.getenv("FLOTILLA_OVERLAY")));
        InitCommand on = new InitCommand();
        new CommandLine(on).parseArgs("--data", "/tmp/x", "--overlay");
        assertThat(on.overlay.on).isTrue();
        JoinCommand join = new JoinCommand();
        new CommandLine(join).parseArgs("--data", "/tmp/x", "--overlay=false");
        assertThat(join.overlay.on).isFalse();
    }
}
