package io.flotilla.model.api;

import io.flotilla.model.Checks;

/**
 * One manager as other nodes reach it: its node id (also its Raft peer id), its HTTP API and its
 * Raft server ({@code host:port} each). By convention the API listens one port below Raft
 * (4780 and 4781), so either address gives the other.
 */
public record ManagerPeer(String id, String apiAddress, String raftAddress) {
    public ManagerPeer {
        Checks.requireText(id, "manager id");
        Checks.requireText(raftAddress, "raftAddress");
        apiAddress = apiAddress == null ? apiOf(raftAddress) : apiAddress;
    }

    /** The API address of a manager whose Raft server listens on {@code raftAddress} (port − 1). */
    public static String apiOf(String raftAddress) {
        int colon = raftAddress.lastIndexOf(':');
        return raftAddress.substring(0, colon + 1) + (Integer.parseInt(raftAddress.substring(colon + 1)) - 1);
    }
}
