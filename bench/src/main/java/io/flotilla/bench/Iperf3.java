package io.flotilla.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TCP throughput between two containers with iperf3 (Debian's), both ends run from the machine in
 * the containers' network namespaces ({@code nsenter --net=/proc/<pid>/ns/net}), so the containers
 * need no iperf3 and the packets take the containers' own interfaces and routes. One stream, the
 * client sending for the given time; the figure is what the server received per second
 * ({@code end.sum_received} of the client's JSON report). Unlike wrk on busybox httpd, no file is
 * read and no HTTP parsed: only the network path and the two TCP stacks.
 */
final class Iperf3 {
    static final int PORT = 5201;
    private static final Pattern DURATION = Pattern.compile("(\\d+)(s|m)");

    private Iperf3() {}

    /** Gbit/s received by the server in {@code serverPid}'s namespace at {@code server} from a client in {@code clientPid}'s. */
    static double gbitPerSecond(long clientPid, long serverPid, String server, String duration) {
        Process listener = startServer(serverPid);
        try {
            List<String> client = new ArrayList<>(List.of("iperf3", "-c", server, "-p", Integer.toString(PORT), "-t",
                    Long.toString(seconds(duration)), "-J"));
            NetnsTestBed.Result result = NetnsTestBed.run((int) seconds(duration) + 60, NetnsTestBed.inNamespaceOf(clientPid, client));
            return receivedBitsPerSecond(result.require("iperf3 to " + server)) / 1e9;
        } finally {
            listener.destroy();
            try {
                if (!listener.waitFor(5, TimeUnit.SECONDS)) {
                    listener.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@code iperf3 -s -1} (one test, then it exits) in the server's namespace, once its socket
     * listens there ({@code ss}: iperf3 buffers its own "listening" line when not on a terminal).
     */
    private static Process startServer(long serverPid) {
        List<String> argv = NetnsTestBed.inNamespaceOf(serverPid, List.of("iperf3", "-s", "-1", "-p", Integer.toString(PORT)));
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", argv), e);
        }
        List<String> listening = NetnsTestBed.inNamespaceOf(serverPid, List.of("ss", "-Hltn", "sport = :" + PORT));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (!NetnsTestBed.run(5, listening).output().isBlank()) {
                return process;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("iperf3 -s did not listen on " + PORT + " in /proc/" + serverPid + "/ns/net within 10 s");
    }

    /** {@code end.sum_received.bits_per_second} of iperf3's JSON report; an error the report names is thrown. */
    static double receivedBitsPerSecond(String json) {
        JsonNode report;
        try {
            report = Json.MAPPER.readTree(json.substring(Math.max(0, json.indexOf('{')))); // after any warning line
        } catch (IOException e) {
            throw new IllegalStateException("iperf3 printed no JSON report: " + json, e);
        }
        if (report.hasNonNull("error")) {
            throw new IllegalStateException("iperf3: " + report.get("error").asText());
        }
        JsonNode received = report.path("end").path("sum_received").path("bits_per_second");
        if (!received.isNumber() || received.asDouble() <= 0) {
            throw new IllegalStateException("iperf3's report has no received throughput: " + json);
        }
        return received.asDouble();
    }

    /** wrk's duration form ("10s", "1m") in whole seconds. */
    static long seconds(String duration) {
        Matcher m = DURATION.matcher(duration.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("a duration like 10s or 1m, not " + duration);
        }
        return Long.parseLong(m.group(1)) * (m.group(2).equals("m") ? 60 : 1);
    }
}
