package io.flotilla.manager.raft;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process Raft clients this manager proposes through, one per lane. A lane is an ordered
 * stream: a thread's submissions always go through the same one (so a thread that pipelines
 * keeps its order), and a request that is slow or gives up delays or fails only the requests
 * queued behind it on its own lane, not every other caller's. A lane whose client gave up gets a
 * fresh one; every lane gets one for a new group of peers. A replaced client is closed once its
 * requests are long done.
 *
 * <p>Clients are replaced under the store's monitor, the lock membership changes hold too.
 */
final class RaftClientLanes {
    /** Logs as the store: one category for the Raft peer's trace. */
    private static final Logger LOG = LoggerFactory.getLogger(RaftClusterStore.class);
    /** How many lanes (and Raft clients) a manager has. */
    static final int CLIENT_LANES = 8;

    private final AtomicReferenceArray<RaftClient> clients = new AtomicReferenceArray<>(CLIENT_LANES); // replaced under monitor
    private final Object monitor;
    private final Parameters parameters;
    private final RaftPeers peers;
    private final Supplier<RaftServer.Division> division;
    private final BooleanSupplier closed;

    /**
     * @param monitor  the lock under which clients are replaced (the store's)
     * @param division this peer's division, null until the server started: a new client starts at its leader
     * @param closed   whether the store is closing: then no client is replaced any more
     */
    RaftClientLanes(Object monitor, Parameters parameters, RaftPeers peers, Supplier<RaftServer.Division> division,
                    BooleanSupplier closed) {
        this.monitor = monitor;
        this.parameters = parameters;
        this.peers = peers;
        this.division = division;
        this.closed = closed;
    }

    /** Gives every lane its first client. */
    void start() {
        synchronized (monitor) {
            for (int lane = 0; lane < CLIENT_LANES; lane++) {
                clients.set(lane, newClient());
            }
        }
    }

    /** A new client of every peer this manager may ask; the caller closes it (or a lane does). */
    RaftClient newClient() {
        RaftClient.Builder builder = RaftClient.newBuilder();
        // Start at the leader this peer knows, not at the first peer listed (perhaps the dead one).
        var clientPeers = peers.forClients();
        RaftServer.Division current = division.get();
        RaftPeerId leader = current == null ? null : current.getInfo().getLeaderId();
        if (leader != null && clientPeers.stream().anyMatch(p -> p.getId().equals(leader))) {
            builder.setLeaderId(leader);
        }
        return builder
                .setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(RaftClusterStore.GROUP_ID, clientPeers))
                .setProperties(RaftSettings.client())
                .setParameters(parameters)
                .setRetryPolicy(RaftSettings.clientRetryPolicy())
                .build();
    }

    /** The calling thread's lane. */
    static int lane() {
        return (int) Math.floorMod(Thread.currentThread().threadId(), (long) CLIENT_LANES);
    }

    RaftClient client(int lane) {
        return clients.get(lane);
    }

    /** Replaces every lane's Raft client (for a new group of peers). */
    void renewAll() {
        synchronized (monitor) {
            for (int lane = 0; lane < CLIENT_LANES; lane++) {
                renew(lane, clients.get(lane));
            }
        }
    }

    /**
     * Replaces a lane's Raft client, if it still is {@code old} (the old one is closed once its
     * requests are long done). The other lanes' requests are not affected.
     */
    void renew(int lane, RaftClient old) {
        synchronized (monitor) {
            if (closed.getAsBoolean() || clients.get(lane) != old) {
                return;
            }
            clients.set(lane, newClient());
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(RaftSettings.BULK_WRITE_TIMEOUT.multipliedBy(2));
                    old.close();
                } catch (InterruptedException | IOException e) {
                    LOG.debug("closing a replaced Raft client: {}", e.toString());
                }
            });
        }
    }

    /** How long closing the clients may take: Ratis' close waits for its requests in flight, forever if the server is wedged. */
    static final java.time.Duration CLOSE_LIMIT = java.time.Duration.ofSeconds(5);

    /**
     * Closes every lane's client, for {@link #CLOSE_LIMIT} at most: a server whose log failed answers
     * its requests in flight never, and a node exiting on that must not hang in its close.
     */
    void close() {
        Thread closing = Thread.ofPlatform().name("raft-clients-close").daemon(true).start(() -> {
            synchronized (monitor) {
                for (int lane = 0; lane < CLIENT_LANES; lane++) {
                    RaftClient client = clients.get(lane);
                    try {
                        if (client != null) {
                            client.close();
                        }
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("closing a Raft client failed", e);
                    }
                }
            }
        });
        try {
            if (!closing.join(CLOSE_LIMIT)) {
                LOG.warn("Raft clients still closing after {}: left to end with the process", CLOSE_LIMIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
