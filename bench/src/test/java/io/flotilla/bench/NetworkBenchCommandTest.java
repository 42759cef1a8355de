package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code flotilla bench network}: its parts run for real, briefly (the test bed of two namespace
 * hosts, a cluster with {@code --overlay}, wrk and iperf3 on both paths for a second, two moves), so that the
 * command cannot rot unnoticed. It needs root, docker.io, busybox-static, wrk and iperf3, as CI has
 * (.ci/run): without them it fails, never skips.
 */
class NetworkBenchCommandTest {
    private static final String WRK = """
            Running 1s test @ http://10.0.1.3:8080/small
              1 threads and 1 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency   310.52us  120.02us   4.12ms   95.01%
                Req/Sec     3.10k   201.33     3.40k    80.00%
              Latency Distribution
                 50%  290.00us
                 75%  320.00us
                 90%  380.00us
                 99%    1.20ms
              3102 requests in 1.00s, 1.50MB read
            Requests/sec:   3101.87
            Transfer/sec:      1.50MB
            """;

    @Test
    void readsWrksReportInItsUnits() {
        WrkFigures figures = WrkFigures.parse(WRK);
        assertThat(figures.requestsPerSecond()).isEqualTo(3101.87);
        assertThat(figures.p50Ms()).isEqualTo(0.29);
        assertThat(figures.p99Ms()).isEqualTo(1.2);
        assertThat(figures.bytesPerSecond()).isEqualTo(1.5 * 1024 * 1024);
        assertThat(figures.gbitPerSecond()).isCloseTo(1.5 * 1024 * 1024 * 8 / 1e9, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void refusesARunWithSocketErrors() {
        assertThatThrownBy(() -> WrkFigures.parse(WRK.replace("Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec")))
                .hasMessageContaining("did not measure cleanly");
    }

    @Test
    void readsIperf3sReceivedThroughputAndItsErrors() {
        String report = """
                {"start": {}, "intervals": [], "end": {"sum_sent": {"bits_per_second": 9.5e9},
                 "sum_received": {"bits_per_second": 9.25e9}}}""";
        assertThat(Iperf3.receivedBitsPerSecond("warning: something\n" + report)).isEqualTo(9.25e9);
        assertThatThrownBy(() -> Iperf3.receivedBitsPerSecond("{\"start\": {}, \"error\": \"unable to connect to server\"}"))
                .hasMessageContaining("unable to connect to server");
        assertThatThrownBy(() -> Iperf3.receivedBitsPerSecond("{\"end\": {}}")).hasMessageContaining("no received throughput");
        assertThat(Iperf3.seconds("10s")).isEqualTo(10);
        assertThat(Iperf3.seconds("2m")).isEqualTo(120);
        assertThatThrownBy(() -> Iperf3.seconds("10")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void p99OfFewerThanAHundredMovesIsTheWorst() {
        assertThat(NetworkBenchCommand.percentile(List.of(1.0, 2.0, 3.0, 4.0, 50.0), 99)).isEqualTo(50.0);
        assertThat(NetworkBenchCommand.percentile(List.of(1.0, 2.0, 3.0, 4.0, 50.0), 50)).isEqualTo(3.0);
    }

    @Test
    void runsBrieflyOnTheTestBedAndPrintsBothPathsAndTheNameFollowing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Main.run("bench", "network", "--duration", "1s", "--runs", "1", "--moves", "2");
        } finally {
            System.setOut(stdout);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertThat(code).as(printed).isZero();
        assertThat(printed).containsPattern("overlay, 2 hosts +[0-9.]+ Gbit/s +[0-9.]+ Gbit/s +[0-9]+ +[0-9.]+ ms +[0-9.]+ ms")
                .containsPattern("plain bridge, 1 host +[0-9.]+ Gbit/s +[0-9.]+ Gbit/s")
                .containsPattern("overlay ÷ bridge; added +[0-9.]+× +[0-9.]+× ")
                .containsPattern("container killed → new address answers +2 +[0-9.]+ ms")
                .containsPattern("task RUNNING \\(its status time\\) → new address answers +2 ");
    }
}
