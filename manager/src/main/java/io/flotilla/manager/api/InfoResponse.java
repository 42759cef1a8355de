package io.flotilla.manager.api;

/** {@code GET /v1/info}: who answers, how far its state is, whether it leads (and who does). */
public record InfoResponse(String nodeId, long index, boolean leader, String leaderId, String version) {}
