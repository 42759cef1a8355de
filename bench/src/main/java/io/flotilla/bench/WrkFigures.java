package io.flotilla.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code wrk --latency} run measured: requests per second, bytes read per second, the
 * median and 99th percentile of request latency.
 */
record WrkFigures(double requestsPerSecond, double bytesPerSecond, double p50Ms, double p99Ms) {
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern TRANSFER = Pattern.compile("Transfer/sec:\\s+([0-9.]+)([KMGT]?B)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern ERRORS = Pattern.compile("Non-2xx or 3xx responses: \\d+|Socket errors: .*");

    /** Parses wrk's report; a run with errors or without figures is refused with the report. */
    static WrkFigures parse(String report) {
        Matcher errors = ERRORS.matcher(report);
        Matcher rps = RPS.matcher(report);
        Matcher transfer = TRANSFER.matcher(report);
        if (errors.find() || !rps.find() || !transfer.find()) {
            throw new IllegalStateException("wrk did not measure cleanly:\n" + report);
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentile = PERCENTILE.matcher(report);
        while (percentile.find()) {
            double ms = millis(Double.parseDouble(percentile.group(2)), percentile.group(3));
            if (percentile.group(1).equals("50")) {
                p50 = ms;
            } else {
                p99 = ms;
            }
        }
        if (Double.isNaN(p50) || Double.isNaN(p99)) {
            throw new IllegalStateException("wrk printed no latency distribution (--latency):\n" + report);
        }
        return new WrkFigures(Double.parseDouble(rps.group(1)), bytes(Double.parseDouble(transfer.group(1)), transfer.group(2)), p50, p99);
    }

    double gbitPerSecond() {
        return bytesPerSecond * 8 / 1e9;
    }

    private static double millis(double value, String unit) {
        return switch (unit) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    /** wrk's units are binary (its {@code format_bytes}: 1 KB = 1024 B). */
    private static double bytes(double value, String unit) {
        return switch (unit) {
            case "KB" -> value * 1024;
            case "MB" -> value * 1024 * 1024;
            case "GB" -> value * 1024 * 1024 * 1024;
            case "TB" -> value * 1024d * 1024 * 1024 * 1024;
            default -> value;
        };
    }
}
