package io.flotilla.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One path between two containers, loaded with wrk from the client container's network namespace
 * ({@code nsenter --net=/proc/<pid>/ns/net wrk …}, run from the machine, so the containers need no
 * wrk of their own: the packets take the container's interface, routes and, for the overlay,
 * VXLAN, as the container's own would). The server is busybox httpd serving {@code /small} (3 bytes:
 * request latency, one connection) and {@code /big} (16 MiB: throughput, two connections); it
 * closes every connection after its response, on both paths alike. The same path's TCP throughput
 * is also measured with {@link Iperf3}, one stream, without httpd or a file in the way.
 *
 * @param label     what the table calls it
 * @param clientPid a process of the client container (its network namespace)
 * @param serverPid a process of the server container (iperf3's server runs in its namespace)
 * @param server    the server's address as the client reaches it
 */
record WrkPath(String label, long clientPid, long serverPid, String server) {
    static final int PORT = 8080;
    /** The server container's command: the two files, then httpd in the foreground. */
    static final List<String> SERVER = List.of("sh", "-c", "mkdir -p /tmp/w && echo ok > /tmp/w/small"
            + " && dd if=/dev/zero of=/tmp/w/big bs=1M count=16 2>/dev/null && exec httpd -f -p " + PORT + " -h /tmp/w");

    /** What one run measured: throughput from /big and iperf3's, requests per second and latency from /small. */
    record Run(double gbitPerSecond, double iperfGbitPerSecond, double requestsPerSecond, double p50Ms, double p99Ms) {}

    /** Until the server answers (it may still be writing its files), then a short warm-up, not counted. */
    void awaitServing(Duration max) throws InterruptedException {
        BenchWaits.awaitUntil(label + " serving", max, Duration.ofMillis(300), () -> wrk("small", 1, "1s") != null);
    }

    Run measure(String duration) {
        WrkFigures big = wrk("big", 2, duration);
        double iperf = Iperf3.gbitPerSecond(clientPid, serverPid, server, duration);
        WrkFigures small = wrk("small", 1, duration);
        Run run = new Run(big.gbitPerSecond(), iperf, small.requestsPerSecond(), small.p50Ms(), small.p99Ms());
        System.out.printf("%s: %.2f Gbit/s (iperf3 %.2f Gbit/s), %.0f req/s, p50 %.3f ms, p99 %.3f ms%n", label,
                run.gbitPerSecond(), run.iperfGbitPerSecond(), run.requestsPerSecond(), run.p50Ms(), run.p99Ms());
        return run;
    }

    private WrkFigures wrk(String file, int connections, String duration) {
        NetnsTestBed.Result result = NetnsTestBed.run(600, NetnsTestBed.inNamespaceOf(clientPid, List.of("wrk", "-t1",
                "-c" + connections, "-d" + duration, "--latency", "http://" + server + ":" + PORT + "/" + file)));
        return WrkFigures.parse(result.require("wrk on " + label));
    }

    /** The median run of each figure (each figure's own median: the runs are noisy independently). */
    static Run median(List<Run> runs) {
        return new Run(median(runs, Run::gbitPerSecond), median(runs, Run::iperfGbitPerSecond), median(runs, Run::requestsPerSecond),
                median(runs, Run::p50Ms), median(runs, Run::p99Ms));
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> figure) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(figure));
        return figure.applyAsDouble(sorted.get(sorted.size() / 2));
    }
}
