package io.flotilla.model.api;

/**
 * One manager in {@code GET /v1/cluster}: its Raft peer and how the leader sees it.
 *
 * @param status {@code Leader}, {@code Reachable} (heard from recently), {@code Unreachable}
 */
public record ManagerStatus(String id, String apiAddress, String raftAddress, String status) {}
