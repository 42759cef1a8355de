package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Json;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One HTTP request as the endpoints see it: method, path segments, query parameters, JSON body. */
record ApiRequest(ApiExchange exchange, String method, List<String> path, Map<String, String> query) {
    static final Duration MAX_WAIT = Duration.ofMinutes(5);

    static ApiRequest of(ApiExchange exchange) {
        String rawPath = exchange.path();
        List<String> path = Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty()).toList();
        Map<String, String> query = new HashMap<>();
        String rawQuery = exchange.rawQuery();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.put(key, value);
            }
        }
        return new ApiRequest(exchange, exchange.method(), path, query);
    }

    String segment(int i) {
        return path.get(i);
    }

    /**
     * The largest body any endpoint reads: a stack (a few hundred services of normalized JSON), an
     * agent's status report at thousands of tasks. Nothing a caller sends is read past its limit.
     */
    static final int MAX_BODY = 8 * 1024 * 1024;
    /** The body of an anonymous call ({@code POST /v1/cluster/join}: a token, an id, a CSR). */
    static final int MAX_ANONYMOUS_BODY = 64 * 1024;

    /** The JSON body as {@code type}, at most {@link #MAX_BODY} bytes; Jackson's errors surface as 400 invalid. */
    <T> T body(Class<T> type) throws IOException {
        return body(type, MAX_BODY);
    }

    /**
     * The JSON body as {@code type}, at most {@code maxBytes}: a larger {@code Content-Length} is
     * refused before a byte of the body is read, and a chunked body as soon as it passes the limit
     * (413 too_large; the server then closes the connection rather than drain the rest).
     */
    <T> T body(Class<T> type, int maxBytes) throws IOException {
        String length = exchange.requestHeader("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw ApiException.invalid("malformed Content-Length: " + length);
            }
            if (declared > maxBytes) {
                throw tooLarge(maxBytes);
            }
        }
        try (InputStream in = exchange.requestBody()) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return parse(bytes, type);
        }
    }

    /**
     * {@code bytes} as {@code type}: what is not JSON of that type is a 400, through
     * {@link ApiServer#toApiException} (Jackson's errors) or an {@link ApiException}.
     */
    static <T> T parse(byte[] bytes, Class<T> type) throws IOException {
        if (bytes.length == 0) {
            throw ApiException.invalid("a JSON body is required");
        }
        T value;
        try {
            value = Json.MAPPER.readValue(bytes, type);
        } catch (CharConversionException e) {
            // Jackson reads a body that starts with zero bytes as UTF-32 and reports a code point
            // past U+10FFFF as an I/O error, not a JsonProcessingException: it was a 500 and a
            // warning in the log, for any anonymous caller (issue 17, found by ApiJsonFuzzTest)
            throw ApiException.invalid("malformed JSON: " + e.getMessage());
        }
        if (value == null) {
            throw ApiException.invalid("a JSON body is required");
        }
        return value;
    }

    private ApiException tooLarge(int maxBytes) {
        return new ApiException(413, "too_large", "the request body is over " + (maxBytes >= 1024 * 1024
                ? maxBytes / (1024 * 1024) + " MiB" : maxBytes / 1024 + " KiB") + ", the limit of "
                + method + " /" + String.join("/", path));
    }

    String param(String name) {
        String value = query.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    long longParam(String name, long fallback) {
        String value = param(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("query parameter " + name + " must be a number: " + value);
        }
    }

    boolean booleanParam(String name) {
        String value = param(name);
        return value != null && (value.equals("true") || value.equals("1") || value.equals("yes"));
    }

    /** A wait in milliseconds, capped at {@link #MAX_WAIT}. */
    Duration waitParam(String name, Duration fallback) {
        long millis = longParam(name, fallback.toMillis());
        if (millis < 0) {
            throw ApiException.invalid("query parameter " + name + " must not be negative: " + millis);
        }
        Duration wait = Duration.ofMillis(millis);
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
    }
}
