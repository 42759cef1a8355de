package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.client.ApiException;
import io.flotilla.client.EventQuery;
import io.flotilla.client.EventReader;
import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Json;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code flotilla events}: the cluster's events as {@code docker events} prints them, one a line
 * (docs/api.md, Events). Following, it survives the loss of the manager it reads from: it
 * reconnects (through the same address: a worker's API relays to another manager) and resumes
 * after the last event it printed, so nothing is printed twice and nothing is skipped.
 */
@Command(name = "events", description = {"Show the cluster's events: the recent ones with --since, then every new one.",
        "Ends at --until, or with Ctrl-C."})
public final class EventsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    /** How long a broken stream is retried before the command gives up. */
    static final Duration RECONNECT_FOR = Duration.ofSeconds(60);

    @Mixin
    ClientOptions client;

    @Option(names = "--since", paramLabel = "TIME|INDEX", description = "Start after this: a duration ago (10m, 1h30m),"
            + " an RFC 3339 time, or a log index (N or N/SEQ, as printed by --format json). Default: from now on.")
    String since;

    @Option(names = "--until", paramLabel = "TIME|now|INDEX", description = "End at this: a duration ago, an RFC 3339 time,"
            + " now, or a log index. Default: follow until Ctrl-C.")
    String until;

    @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE", description = "Only events with this type (node.down, or"
            + " node for every node.* event), stack, service or node (repeatable; values of one key are alternatives).")
    List<String> filters = new ArrayList<>();

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "text (default): one line per event; json: one JSON object per line.")
    String format;

    private volatile boolean stopping;

    @Override
    public Integer call() {
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException("--format must be text or json, not " + format);
        }
        EventQuery query = query(filters, since, until, Instant.now());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping = true));
        return follow(client, query, System.out, format.equals("json"));
    }

    private int follow(ClientOptions options, EventQuery query, PrintStream out, boolean json) {
        String position = null;
        Instant brokenSince = null;
        while (true) {
            EventQuery from = position == null ? query : query.resumingAfter(position);
            try (EventReader reader = EventReader.open(options.client(), from)) {
                brokenSince = null;
                ClusterEvent event;
                while ((event = reader.next()) != null) {
                    out.println(json ? Json.write(event) : line(event));
                    out.flush();
                    position = event.type().equals(ClusterEvent.TRUNCATED) ? position : event.position();
                }
                if (!query.follow() || query.until() != null) {
                    return 0;
                }
                position = position != null ? position : reader.heartbeatIndex() >= 0 ? Long.toString(reader.heartbeatIndex()) : null;
            } catch (UncheckedIOException | ApiException e) {
                if (stopping) {
                    return 0;
                }
                if (e instanceof ApiException api && api.status() != 0 && api.status() != 503) {
                    throw api; // refused (bad input, no credential): retrying changes nothing
                }
                brokenSince = brokenSince == null ? Instant.now() : brokenSince;
                if (Duration.between(brokenSince, Instant.now()).compareTo(RECONNECT_FOR) > 0) {
                    throw e;
                }
                System.err.println("(" + e.getMessage() + "; reconnecting)");
            }
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code 2026-12-05T22:10:03.123Z node.down node=abc12345 message}. */
    static String line(ClusterEvent event) {
        StringBuilder line = new StringBuilder(event.time() == null ? "-" : TIME.format(event.time()))
                .append(' ').append(event.type());
        Map<String, String> names = new LinkedHashMap<>();
        names.put("stack", event.stack());
        names.put("service", event.service());
        names.put("node", event.node());
        names.put("task", event.task());
        names.forEach((key, value) -> {
            if (value != null) {
                line.append(' ').append(key).append('=').append(value);
            }
        });
        return event.message() == null ? line.toString() : line.append(' ').append(event.message()).toString();
    }

    /** The query of the options, at {@code now}; a bad option is an IllegalArgumentException that says which. */
    static EventQuery query(List<String> filters, String since, String until, Instant now) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (String filter : filters) {
            int eq = filter.indexOf('=');
            if (eq <= 0 || eq == filter.length() - 1) {
                throw new IllegalArgumentException("--filter must be KEY=VALUE (type, stack, service or node): " + filter);
            }
            String key = filter.substring(0, eq).strip();
            if (!EventQuery.FILTERS.contains(key)) {
                throw new IllegalArgumentException("unknown --filter key " + key + ": use type, stack, service or node");
            }
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(filter.substring(eq + 1).strip());
        }
        return new EventQuery(point("--since", since, now), point("--until", until, now), true, byKey);
    }

    /** A log position as given, or a time: {@code now}, a duration ago, RFC 3339; null for null. */
    static String point(String option, String value, Instant now) {
        if (value == null) {
            return null;
        }
        String text = value.strip();
        if (text.matches("\\d+(/\\d+)?")) {
            return text;
        }
        if (text.equals("now")) {
            return now.toString();
        }
        Duration ago = duration(text);
        if (ago != null) {
            return now.minus(ago).toString();
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant().toString();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + " must be a duration (10m, 1h30m), an RFC 3339 time"
                    + " (2026-12-05T22:10:03Z), now, or a log index: " + value);
        }
    }

    /** {@code 10m}, {@code 1h30m}, {@code 45s}, {@code 2d}, {@code 500ms}; null when the text is not one. */
    static Duration duration(String text) {
        if (!text.matches("(\\d+(ms|s|m|h|d))+")) {
            return null;
        }
        Duration total = Duration.ZERO;
        Matcher parts = DURATION.matcher(text);
        while (parts.find()) {
            long amount = Long.parseLong(parts.group(1));
            total = total.plus(switch (parts.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            });
        }
        return total;
    }
}
