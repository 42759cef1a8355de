package io.flotilla.manager.raft;

import io.flotilla.model.api.ManagerPeer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

/**
 * A peer's view of its group. On the leader: every member and when it was last heard from; on
 * a follower only its leader. {@link #available} is this peer's best guess whether a change can
 * commit now: a leader hearing from a majority, or a follower hearing from its leader.
 */
public record Quorum(List<ManagerPeer> members, String leaderId, Map<String, Long> silenceMillis,
                     String selfId) {
    /** The view of {@code division} (null: not started, or closed: no group), as peer {@code selfId}. */
    static Quorum of(RaftServer.Division division, String selfId) {
        if (division == null) {
            return new Quorum(List.of(), null, Map.of(), selfId);
        }
        List<ManagerPeer> members = division.getRaftConf().getCurrentPeers().stream()
                .map(p -> new ManagerPeer(p.getId().toString(), null, p.getAddress())).toList();
        DivisionInfo info = division.getInfo();
        Map<String, Long> silence = new HashMap<>();
        RoleInfoProto role = info.getRoleInfoProto();
        if (info.isLeader() && role.hasLeaderInfo()) {
            for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
                silence.put(RaftPeerId.valueOf(follower.getId().getId()).toString(), follower.getLastRpcElapsedTimeMs());
            }
            silence.put(selfId, 0L);
        } else if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo() && info.getLeaderId() != null) {
            silence.put(info.getLeaderId().toString(), role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs());
            silence.put(selfId, 0L);
        }
        RaftPeerId leader = info.getLeaderId();
        return new Quorum(members, leader == null ? null : leader.toString(), silence, selfId);
    }

    public boolean reachable(String id) {
        Long millis = silenceMillis.get(id);
        return millis != null && millis >= 0 && millis < RaftSettings.REACHABLE.toMillis();
    }

    public long reachableCount() {
        return members.stream().filter(m -> reachable(m.id())).count();
    }

    public boolean available() {
        if (members.isEmpty() || leaderId == null || !reachable(leaderId)) {
            return false;
        }
        return !leaderId.equals(selfId) || reachableCount() > members.size() / 2;
    }

    public String describe() {
        if (members.isEmpty()) {
            return "no quorum: this manager is not (yet) a member of the managers' Raft group";
        }
        int majority = members.size() / 2 + 1;
        if (leaderId != null && leaderId.equals(selfId)) {
            return "no quorum: " + reachableCount() + " of " + members.size() + " managers reachable (" + majority
                    + " needed); changes are refused until enough managers are back, tasks keep running";
        }
        return "no quorum: no Raft leader reachable from this manager (" + members.size() + " managers, "
                + majority + " needed); changes are refused until enough managers are back, tasks keep running";
    }
}
