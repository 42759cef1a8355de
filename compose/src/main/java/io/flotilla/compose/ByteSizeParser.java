package io.flotilla.compose;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory sizes as Docker parses them ({@code units.RAMInBytes}): a number, optionally with a
 * fraction, then an optional binary unit {@code b k m g t p} (any case, optionally followed by
 * {@code i} and/or {@code b}): {@code 512M} = 512 MiB, {@code 1.5g}, {@code 1024kb}, {@code 100}.
 */
final class ByteSizeParser {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s?([kKmMgGtTpP])?[iI]?[bB]?");

    private ByteSizeParser() {}

    /** The size in bytes, or -1 when {@code text} is not a size. */
    static long parse(String text) {
        Matcher matcher = SIZE.matcher(text.strip());
        if (!matcher.matches()) {
            return -1;
        }
        BigDecimal number = new BigDecimal(matcher.group(1));
        String unit = matcher.group(2) == null ? "" : matcher.group(2).toLowerCase(Locale.ROOT);
        int power = switch (unit) {
            case "k" -> 1;
            case "m" -> 2;
            case "g" -> 3;
            case "t" -> 4;
            case "p" -> 5;
            default -> 0;
        };
        return number.multiply(BigDecimal.valueOf(1024).pow(power)).longValue();
    }

    static long parse(ComposeNode node) throws ComposeException {
        if (!node.isPresent()) {
            return 0;
        }
        if (node.json().isIntegralNumber()) {
            return node.longValue();
        }
        long bytes = parse(node.text());
        if (bytes < 0) {
            throw node.error("invalid size " + node.describeValue() + " (use a number with a unit: 512M, 1.5G, 64k)");
        }
        return bytes;
    }
}
