package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.discovery.dns.SourcePrefix;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --dns-forward-from}: whose outside names a node's DNS server forwards. */
class DnsCliOptionsTest {
    private static DnsOptions parse(String... args) {
        InitCommand init = new InitCommand();
        String[] withData = java.util.stream.Stream.concat(java.util.stream.Stream.of("--data", "unused"),
                java.util.Arrays.stream(args)).toArray(String[]::new);
        new CommandLine(init).parseArgs(withData);
        return init.dns;
    }

    @Test
    void loopbackAndTheNodesOwnAddressByDefault() throws Exception {
        assertThat(parse().forwardFrom("192.0.2.10", new InetSocketAddress("192.0.2.10", 53)))
                .containsExactly(SourcePrefix.parse("127.0.0.0/8"), SourcePrefix.parse("::1"), SourcePrefix.parse("192.0.2.10"));
    }

    @Test
    void givenPrefixesAreAddedAndAnyoneMustBeSaid() throws Exception {
        assertThat(parse("--dns-forward-from", "172.18.0.0/16,10.0.0.0/8").forwardFrom("192.0.2.10",
                new InetSocketAddress("0.0.0.0", 53)))
                .contains(SourcePrefix.parse("172.18.0.0/16"), SourcePrefix.parse("10.0.0.0/8"))
                .doesNotContainAnyElementsOf(SourcePrefix.ANYONE);
        assertThat(parse("--dns-forward-from", "any").forwardFrom("192.0.2.10", new InetSocketAddress("192.0.2.10", 53)))
                .containsAll(SourcePrefix.ANYONE);
        assertThatThrownBy(() -> parse("--dns-forward-from", "example.com").forwardFrom("192.0.2.10",
                new InetSocketAddress("192.0.2.10", 53))).hasMessageContaining("--dns-forward-from");
    }
}
