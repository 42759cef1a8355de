package io.flotilla.model.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/registry}: a service instance registers itself. {@code id} must be absent: the
 * server makes one and answers it (a request naming one is refused, so no caller can take or
 * replace another entry or a task's endpoint). {@code ttl}: ISO-8601 ({@code PT10S}), at most 5
 * minutes.
 */
public record RegistrationRequest(String id, String name, String stack, String address, Map<String, Integer> ports,
                                  List<String> tags, Map<String, String> meta, Duration ttl) {}
