package io.flotilla.manager.raft;

import io.flotilla.model.NodeRole;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.state.ClusterState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * The managers this Raft peer knows of: itself, the group as its server knows it now, and the
 * managers learned at join (so that its clients reach the leader before this peer has caught up
 * with the group). From them: every peer this manager's clients may ask, and who may speak Raft
 * with it.
 */
final class RaftPeers {
    final RaftPeer self;
    private final List<RaftPeer> known;
    /** This peer's division of the group; null until the server started. */
    private final Supplier<RaftServer.Division> division;

    RaftPeers(RaftPeer self, List<ManagerPeer> known, Supplier<RaftServer.Division> division) {
        this.self = self;
        this.known = known.stream().map(RaftPeers::peer).toList();
        this.division = division;
    }

    static RaftPeer peer(ManagerPeer manager) {
        return RaftPeer.newBuilder().setId(RaftPeerId.valueOf(manager.id())).setAddress(manager.raftAddress()).build();
    }

    /**
     * Every peer this manager's client may ask: itself (at the address it listens on now, which a
     * one-manager dev node may change between runs), the group as this peer knows it, and the
     * peers learned at join.
     */
    List<RaftPeer> forClients() {
        Map<RaftPeerId, RaftPeer> peers = new LinkedHashMap<>();
        peers.put(self.getId(), self);
        RaftServer.Division current = division.get();
        if (current != null) {
            current.getRaftConf().getCurrentPeers().forEach(p -> peers.putIfAbsent(p.getId(), p));
        }
        known.forEach(p -> peers.putIfAbsent(p.getId(), p));
        peers.putIfAbsent(self.getId(), self);
        return List.copyOf(peers.values());
    }

    /**
     * Whether the manager with node id {@code nodeId} may speak Raft with this one
     * ({@link RaftPeerCheck}), judged against {@code state}: never a removed node; otherwise a
     * member of the group (its current or old configuration), this manager itself, a node the
     * state holds as a manager (a manager being added, whose client reaches the leader before the
     * group includes it), or, while this peer has no state yet (a fresh peer, before the leader
     * reached it), a manager learned at join.
     */
    boolean mayConnect(String nodeId, ClusterState state) {
        if (state.cluster() != null && state.cluster().removed(nodeId)) {
            return false;
        }
        RaftPeerId id;
        try {
            id = RaftPeerId.valueOf(nodeId);
        } catch (RuntimeException e) {
            return false;
        }
        RaftServer.Division current = division.get();
        boolean fresh = state.cluster() == null;
        if (id.equals(self.getId()) || (fresh && known.stream().anyMatch(p -> p.getId().equals(id)))
                || (current != null && current.getRaftConf().getAllPeers().stream().anyMatch(p -> p.getId().equals(id)))) {
            return true;
        }
        return state.node(nodeId).map(n -> n.spec().role() == NodeRole.MANAGER).orElse(false);
    }
}
