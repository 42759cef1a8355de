package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --overlay} on init, join and dev: {@code auto} by default, on where the overlay can work
 * (root, ip and iptables, an advertise address other hosts reach), off on a loopback address (the
 * loopback test clusters run several nodes in one namespace and pass nothing). The build runs as
 * root with iproute2 and iptables installed ({@code .ci/run}), as a real host would.
 */
class OverlayCliOptionsTest {
    private static OverlayCliOptions parsed(String... args) {
        InitCommand init = new InitCommand();
        String[] all = new String[args.length + 2];
        all[0] = "--data";
        all[1] = "/tmp/x";
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(init).parseArgs(all);
        return init.overlay;
    }

    @Test
    void autoIsTheDefaultAndTurnsTheOverlayOnForAnAddressOtherHostsReach() {
        assertThat(parsed().mode).isEqualTo(System.getenv().getOrDefault("FLOTILLA_OVERLAY", "auto"));
        assertThat(OverlayCliOptions.cannotRun("198.18.77.1")).as("the build runs as root with ip and iptables").isNull();
        assertThat(parsed("--overlay=auto").resolve("198.18.77.1")).isTrue();
    }

    @Test
    void autoLeavesALoopbackNodeWithoutTheOverlayAndSaysWhy() {
        OverlayCliOptions options = parsed("--overlay=auto");
        assertThat(options.resolve("127.0.0.3")).isFalse();
        assertThat(OverlayCliOptions.cannotRun("127.0.0.3")).contains("loopback");
    }

    @Test
    void onInsistsEvenOnLoopbackAndOffDeclines() {
        assertThat(parsed("--overlay").resolve("127.0.0.1")).isTrue();
        assertThat(parsed("--overlay=on").resolve("127.0.0.1")).isTrue();
        assertThat(parsed("--overlay=off").resolve("198.18.77.1")).isFalse();
        assertThat(parsed("--overlay=false").resolve("198.18.77.1")).isFalse();
        JoinCommand join = new JoinCommand();
        new CommandLine(join).parseArgs("--data", "/tmp/x", "--overlay=off");
        assertThat(join.overlay.resolve("198.18.77.2")).isFalse();
        JoinCommand joinBeforeTheManager = new JoinCommand();
        new CommandLine(joinBeforeTheManager).parseArgs("--data", "/tmp/x", "--overlay", "198.18.77.1:4780");
        assertThat(joinBeforeTheManager.overlay.mode).as("the manager's address stays the positional").isEqualTo("on");
        assertThat(joinBeforeTheManager.manager).isEqualTo("198.18.77.1:4780");
        JoinCommand offBeforeTheManager = new JoinCommand();
        new CommandLine(offBeforeTheManager).parseArgs("--data", "/tmp/x", "--overlay", "off", "198.18.77.1:4780");
        assertThat(offBeforeTheManager.overlay.mode).isEqualTo("off");
        DevCommand dev = new DevCommand();
        new CommandLine(dev).parseArgs("--overlay=on");
        assertThat(dev.overlay.resolve("127.0.0.1")).isTrue();
    }

    @Test
    void anUnknownModeIsRefusedNamingTheChoices() {
        assertThatThrownBy(() -> parsed("--overlay=maybe").resolve("198.18.77.1"))
                .hasMessageContaining("auto, on or off").hasMessageContaining("maybe");
    }
}
