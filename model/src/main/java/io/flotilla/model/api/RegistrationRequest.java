package io.flotilla.model.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/registry}: a service instance registers itself. {@code id} is optional (one is
 * made); registering an existing id replaces the entry. {@code ttl}: ISO-8601 ({@code PT10S}).
 */
public record RegistrationRequest(String id, String name, String stack, String address, Map<String, Integer> ports,
                                  List<String> tags, Map<String, String> meta, Duration ttl) {}
