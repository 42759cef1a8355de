package io.flotilla.manager.raft;

import java.io.Closeable;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.util.PeerProxyMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this peer's gRPC channels to the other managers out of gRPC's reconnect backoff (1 s,
 * growing by 1.6× up to 2 min) while it does not lead.
 *
 * <p>Why: a follower never talks to the other followers, so its channel to a manager that died
 * and came back stays in backoff — for seconds after a few minutes down. When the leader dies
 * next, this follower's vote requests to that manager fail at once, and the election waits for
 * the backoff to end: measured as 2–10 s leader failovers after a restarted manager. (The leader's
 * own appenders reset the backoff of their channels; vote requests do not.) Resetting the backoff
 * of a channel that is connected or idle does nothing; of one in backoff, it reconnects now — a
 * connection attempt per peer per {@code period} towards a manager that is really down.
 *
 * <p>Uses Ratis' proxy map of the server's gRPC services; Ratis' gRPC client class is not public,
 * so its public {@code resetConnectBackoff()} is called reflectively. If that ever fails (another
 * Ratis version), it logs once and stops: elections are then as slow as before, never wrong.
 */
final class PeerReconnects implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerReconnects.class);

    private final RaftServer server;
    private final Supplier<RaftServer.Division> division;
    private final Duration period;
    private final Thread thread;
    private volatile boolean closed;
    /** Rounds in which every other member's channel had its backoff reset (for tests). */
    private final java.util.concurrent.atomic.AtomicLong rounds = new java.util.concurrent.atomic.AtomicLong();

    private PeerReconnects(RaftServer server, Supplier<RaftServer.Division> division, Duration period) {
        this.server = server;
        this.division = division;
        this.period = period;
        this.thread = Thread.ofPlatform().daemon().name("raft-peer-reconnects").unstarted(this::run);
    }

    static PeerReconnects start(RaftServer server, Supplier<RaftServer.Division> division, Duration period) {
        PeerReconnects reconnects = new PeerReconnects(server, division, period);
        reconnects.thread.start();
        return reconnects;
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(period);
                RaftServer.Division current = division.get();
                if (current != null && !current.getInfo().isLeader()) {
                    if (!resetAll(current)) {
                        return;
                    }
                    rounds.incrementAndGet();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.debug("resetting the reconnect backoff of Raft peers failed: {}", e.toString());
            }
        }
    }

    /** Resets every other member's channel; false when this Ratis does not allow it (then stop). */
    private boolean resetAll(RaftServer.Division current) {
        if (!(server.getServerRpc() instanceof RaftServerRpcWithProxy<?, ?> rpc)) {
            LOG.info("Raft RPC {} has no peer proxies: reconnect backoff left to gRPC", server.getServerRpc());
            return false;
        }
        PeerProxyMap<?> proxies = rpc.getProxies();
        RaftPeerId self = current.getId();
        for (RaftPeer peer : current.getRaftConf().getCurrentPeers()) {
            if (peer.getId().equals(self)) {
                continue;
            }
            try {
                Closeable proxy = proxies.getProxy(peer.getId());
                Method reset = proxy.getClass().getMethod("resetConnectBackoff");
                reset.setAccessible(true);
                reset.invoke(proxy);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warn("cannot reset the gRPC reconnect backoff towards Raft peer {} ({}); elections after a"
                        + " manager restart may take seconds", peer.getId(), e.toString());
                return false;
            } catch (java.io.IOException e) {
                LOG.debug("no proxy for Raft peer {}: {}", peer.getId(), e.toString());
            }
        }
        return true;
    }

    /** How many rounds reset every other member's backoff so far; stays still once it gave up. */
    long rounds() {
        return rounds.get();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
