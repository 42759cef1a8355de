package io.flotilla.manager.raft;

import io.flotilla.model.api.ManagerPeer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes the managers' Raft group, through the leader wherever this runs: adds a manager (the
 * change commits once the new peer caught up), or removes one unless the managers left would
 * lack a reachable majority. After a change every client lane gets a client of the new group.
 * The store runs one change at a time, under its monitor.
 */
final class RaftMembership {
    /** Logs as the store: one category for the Raft peer's trace. */
    private static final Logger LOG = LoggerFactory.getLogger(RaftClusterStore.class);

    private final Supplier<RaftServer.Division> division;
    private final Supplier<Quorum> quorum;
    private final RaftClientLanes lanes;

    RaftMembership(Supplier<RaftServer.Division> division, Supplier<Quorum> quorum,
                   RaftClientLanes lanes) {
        this.division = division;
        this.quorum = quorum;
        this.lanes = lanes;
    }

    /** See {@link RaftClusterStore#addMember}. */
    void add(ManagerPeer manager) throws IOException {
        List<RaftPeer> current = List.copyOf(division.get().getRaftConf().getCurrentPeers());
        if (current.stream().anyMatch(p -> p.getId().toString().equals(manager.id()))) {
            return;
        }
        List<RaftPeer> next = new ArrayList<>(current);
        next.add(RaftPeers.peer(manager));
        setConfiguration(next, "add manager " + manager.id());
    }

    /** See {@link RaftClusterStore#removeMember}. */
    void remove(String id) throws IOException {
        Quorum quorum = this.quorum.get();
        List<ManagerPeer> next = quorum.members().stream().filter(m -> !m.id().equals(id)).toList();
        if (next.size() == quorum.members().size()) {
            return;
        }
        if (next.isEmpty()) {
            throw new IllegalArgumentException("refused: " + id + " is the last manager, the cluster would have none;"
                    + " promote another node first");
        }
        long reachableLeft = next.stream().filter(m -> quorum.reachable(m.id())).count();
        if (reachableLeft <= next.size() / 2 || !quorum.available()) {
            throw new UnavailableException("refused: without manager " + id + " only " + reachableLeft + " of "
                    + next.size() + " managers would be reachable, not a majority; bring managers back first");
        }
        setConfiguration(next.stream().map(RaftPeers::peer).toList(), "remove manager " + id);
    }

    private void setConfiguration(List<RaftPeer> peers, String what) throws IOException {
        RaftClientReply reply;
        try (RaftClient admin = lanes.newClient()) {
            reply = admin.admin().setConfiguration(peers);
        }
        if (!reply.isSuccess()) {
            throw new UnavailableException(what + " failed: " + reply.getException());
        }
        LOG.info("{}: managers are now {}", what, peers.stream().map(p -> p.getId().toString()).toList());
        lanes.renewAll(); // the new group's peers
    }
}
