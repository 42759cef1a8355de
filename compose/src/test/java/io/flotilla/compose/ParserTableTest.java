package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Table tests for the small value parsers: durations, sizes, ports, shell words. */
class ParserTableTest {
    record DurationRow(String text, Duration expected) {}

    static Stream<DurationRow> durations() {
        return Stream.of(
                new DurationRow("10s", Duration.ofSeconds(10)),
                new DurationRow("1m30s", Duration.ofSeconds(90)),
                new DurationRow("500ms", Duration.ofMillis(500)),
                new DurationRow("1h", Duration.ofHours(1)),
                new DurationRow("1.5h", Duration.ofMinutes(90)),
                new DurationRow("2h45m10s", Duration.ofSeconds(2 * 3600 + 45 * 60 + 10)),
                new DurationRow("100us", Duration.ofNanos(100_000)),
                new DurationRow("250ns", Duration.ofNanos(250)),
                new DurationRow("0", Duration.ZERO),
                new DurationRow("30", Duration.ofSeconds(30)),
                new DurationRow("0.5s", Duration.ofMillis(500)),
                new DurationRow("ten seconds", null),
                new DurationRow("10x", null),
                new DurationRow("s", null),
                new DurationRow("", null));
    }

    @ParameterizedTest
    @MethodSource("durations")
    void parsesDurations(DurationRow row) {
        assertThat(DurationParser.parse(row.text())).isEqualTo(row.expected());
        if (row.expected() != null) {
            assertThat(DurationParser.parse(DurationParser.format(row.expected()))).isEqualTo(row.expected());
        }
    }

    record SizeRow(String text, long expected) {}

    static Stream<SizeRow> sizes() {
        return Stream.of(
                new SizeRow("512M", 512L << 20),
                new SizeRow("512m", 512L << 20),
                new SizeRow("1g", 1L << 30),
                new SizeRow("1G", 1L << 30),
                new SizeRow("1.5G", 3L << 29),
                new SizeRow("64k", 64L << 10),
                new SizeRow("64kb", 64L << 10),
                new SizeRow("64KiB", 64L << 10),
                new SizeRow("1024", 1024),
                new SizeRow("100b", 100),
                new SizeRow("2t", 2L << 40),
                new SizeRow("1 GB", 1L << 30),
                new SizeRow("lots", -1),
                new SizeRow("-1m", -1),
                new SizeRow("12x", -1));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void parsesMemorySizes(SizeRow row) {
        assertThat(ByteSizeParser.parse(row.text())).isEqualTo(row.expected());
    }

    record PortRow(String text, List<PortParser.Entry> expected) {}

    private static PortParser.Entry port(int target, Integer published, String protocol, String hostIp) {
        return new PortParser.Entry(null, target, published, protocol, null, hostIp);
    }

    static Stream<PortRow> ports() {
        return Stream.of(
                new PortRow("80", List.of(port(80, null, "tcp", null))),
                new PortRow("8080:80", List.of(port(80, 8080, "tcp", null))),
                new PortRow("127.0.0.1:8080:80", List.of(port(80, 8080, "tcp", "127.0.0.1"))),
                new PortRow("127.0.0.1::80", List.of(port(80, null, "tcp", "127.0.0.1"))),
                new PortRow("[::1]:8080:80", List.of(port(80, 8080, "tcp", "::1"))),
                new PortRow("8080:80/udp", List.of(port(80, 8080, "udp", null))),
                new PortRow("53/udp", List.of(port(53, null, "udp", null))),
                new PortRow("3000-3002:3000-3002", List.of(port(3000, 3000, "tcp", null), port(3001, 3001, "tcp", null),
                        port(3002, 3002, "tcp", null))),
                new PortRow("9090-9091:8080", List.of(port(8080, 9090, "tcp", null))),
                new PortRow("4000-4001", List.of(port(4000, null, "tcp", null), port(4001, null, "tcp", null))));
    }

    @ParameterizedTest
    @MethodSource("ports")
    void parsesShortPorts(PortRow row) {
        assertThat(PortParser.parseShort(row.text())).isEqualTo(row.expected());
    }

    static Stream<String> invalidPorts() {
        return Stream.of("80:x", "x", "", "70000", "0", "8080:80/icmp", "3000-3002:4000-4001", "1:2:3:4", "3002-3000");
    }

    @ParameterizedTest
    @MethodSource("invalidPorts")
    void refusesInvalidPorts(String text) {
        assertThatThrownBy(() -> PortParser.parseShort(text)).isInstanceOf(IllegalArgumentException.class);
    }

    record WordsRow(String line, List<String> expected) {}

    static Stream<WordsRow> shellWords() {
        return Stream.of(
                new WordsRow("nginx -g 'daemon off;'", List.of("nginx", "-g", "daemon off;")),
                new WordsRow("sh -c \"echo \\\"hi\\\" $HOME\"", List.of("sh", "-c", "echo \"hi\" $HOME")),
                new WordsRow("  a   b\tc ", List.of("a", "b", "c")),
                new WordsRow("a\\ b c", List.of("a b", "c")),
                new WordsRow("''", List.of("")),
                new WordsRow("'unterminated", null));
    }

    @ParameterizedTest
    @MethodSource("shellWords")
    void splitsCommandsLikeAShell(WordsRow row) {
        assertThat(ShellWords.split(row.line())).isEqualTo(row.expected());
    }
}
