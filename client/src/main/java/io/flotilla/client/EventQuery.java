package io.flotilla.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /v1/events} is asked for (docs/api.md, Events).
 *
 * @param since   where to start: a log position ({@code INDEX} or {@code INDEX/SEQ}: the events after
 *                it) or an RFC 3339 time; null: only events from now on
 * @param until   where to end: an index or an RFC 3339 time; null: never (while following)
 * @param follow  false: end after the events already retained
 * @param filters {@code type}, {@code stack}, {@code service}, {@code node} → the values any of which
 *                an event must match ({@code type=node} matches every {@code node.*})
 */
public record EventQuery(String since, String until, boolean follow, Map<String, List<String>> filters) {
    /** The filters the endpoint knows. */
    public static final List<String> FILTERS = List.of("type", "stack", "service", "node");

    public EventQuery {
        filters = filters == null ? Map.of() : new TreeMap<>(filters);
        for (String key : filters.keySet()) {
            if (!FILTERS.contains(key)) {
                throw new IllegalArgumentException("unknown event filter " + key + " (known: " + String.join(", ", FILTERS) + ")");
            }
        }
    }

    /** The same query, starting after position {@code position} (to resume after a broken connection). */
    public EventQuery resumingAfter(String position) {
        return new EventQuery(position, until, follow, filters);
    }

    String queryString() {
        List<String> parts = new ArrayList<>();
        if (since != null) {
            parts.add("since=" + encode(since));
        }
        if (until != null) {
            parts.add("until=" + encode(until));
        }
        if (!follow) {
            parts.add("follow=false");
        }
        filters.forEach((key, values) -> {
            if (!values.isEmpty()) {
                parts.add(key + "=" + encode(String.join(",", values)));
            }
        });
        return parts.isEmpty() ? "" : "?" + String.join("&", parts);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
