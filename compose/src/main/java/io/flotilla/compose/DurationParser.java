package io.flotilla.compose;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style durations as Compose writes them: {@code 1m30s}, {@code 10s}, {@code 500ms},
 * {@code 1.5h}, {@code 100us}. A bare number is taken as seconds (Compose v1 accepted it and
 * real files still use it).
 */
final class DurationParser {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Pattern BARE_NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");

    private DurationParser() {}

    /** The duration, or null when {@code text} is not a duration. */
    static Duration parse(String text) {
        String value = text.strip();
        if (value.isEmpty()) {
            return null;
        }
        if (BARE_NUMBER.matcher(value).matches()) {
            return nanos(new BigDecimal(value).multiply(BigDecimal.valueOf(1_000_000_000L)));
        }
        boolean negative = value.startsWith("-");
        if (negative || value.startsWith("+")) {
            value = value.substring(1);
        }
        Matcher part = PART.matcher(value);
        BigDecimal total = BigDecimal.ZERO;
        int position = 0;
        while (position < value.length()) {
            if (!part.find(position) || part.start() != position) {
                return null;
            }
            total = total.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(unitNanos(part.group(2)))));
            position = part.end();
        }
        return nanos(negative ? total.negate() : total);
    }

    static Duration parse(ComposeNode node) throws ComposeException {
        if (!node.isPresent()) {
            return null;
        }
        Duration duration = parse(node.text());
        if (duration == null) {
            throw node.error("invalid duration " + node.describeValue() + " (use a number with a unit: 10s, 1m30s, 500ms)");
        }
        return duration;
    }

    private static Duration nanos(BigDecimal nanos) {
        return Duration.ofNanos(nanos.longValue());
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    /** Writes a duration back in Go's form ({@code 1m30s}, {@code 500ms}). */
    static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        long nanos = duration.toNanos();
        StringBuilder text = new StringBuilder();
        if (nanos < 0) {
            text.append('-');
            nanos = -nanos;
        }
        if (nanos < 1_000_000_000L) {
            if (nanos % 1_000_000L == 0) {
                return text.append(nanos / 1_000_000L).append("ms").toString();
            }
            if (nanos % 1_000L == 0) {
                return text.append(nanos / 1_000L).append("us").toString();
            }
            return text.append(nanos).append("ns").toString();
        }
        long hours = nanos / 3_600_000_000_000L;
        long minutes = nanos / 60_000_000_000L % 60;
        long secondsNanos = nanos % 60_000_000_000L;
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (minutes > 0) {
            text.append(minutes).append('m');
        }
        if (secondsNanos > 0) {
            text.append(new BigDecimal(secondsNanos).movePointLeft(9).stripTrailingZeros().toPlainString()).append('s');
        }
        return text.toString();
    }
}
