package io.flotilla.discovery.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

/**
 * Forwards questions outside the cluster domain to the upstream resolvers, for the cluster's own
 * clients only. A forwarder that answers anyone is an amplifier for reflection attacks and lets
 * anyone who can reach the node use its resolvers, so {@link #admit} lets through only:
 * <ul>
 *   <li>clients whose address is in {@link DnsConfig#forwardFrom} (loopback unless told otherwise);</li>
 *   <li>within a per-address rate ({@link ForwardRateLimiter});</li>
 *   <li>while fewer than {@link DnsLimits#maxForwards} forwards are waiting on upstreams: beyond
 *       that the answer is SERVFAIL at once, so a flood costs no thread nor socket.</li>
 * </ul>
 * Toward the upstream each forward uses its own socket, connected to that upstream (the kernel
 * then drops datagrams from any other source) and a fresh random message id; a reply is taken
 * only if it is a response with that id and the same question, else it is ignored and the wait
 * goes on until the timeout. That makes a spoofed answer need the socket's port and the id, as
 * for any stub resolver. The client gets the reply with its own id put back.
 */
final class DnsForwarder {
    private static final Logger LOG = LoggerFactory.getLogger(DnsForwarder.class);
    static final int ADMITTED = -1;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final List<InetSocketAddress> upstreams;
    private final List<SourcePrefix> forwardFrom;
    private final ForwardRateLimiter rate;
    private final Semaphore slots;
    private final SecureRandom ids = new SecureRandom();

    DnsForwarder(DnsConfig config, InstantSource clock) {
        this.upstreams = config.upstreams();
        this.forwardFrom = config.forwardFrom();
        DnsLimits limits = config.limits();
        this.rate = new ForwardRateLimiter(clock, limits.forwardsPerSecond(), limits.forwardBurst(),
                limits.rateLimitedClients());
        this.slots = new Semaphore(limits.maxForwards());
    }

    /**
     * {@link #ADMITTED} if a question from {@code client} may be forwarded: a forward slot is then
     * held, which {@link #forward} gives back. Otherwise the rcode to answer with, having sent
     * nothing upstream: REFUSED for a client not allowed or over its rate (or with no upstreams),
     * SERVFAIL while every slot is busy.
     */
    int admit(InetAddress client) {
        if (upstreams.isEmpty() || forwardFrom.stream().noneMatch(p -> p.contains(client))) {
            return Rcode.REFUSED;
        }
        if (!rate.tryAcquire(client)) {
            return Rcode.REFUSED;
        }
        return slots.tryAcquire() ? ADMITTED : Rcode.SERVFAIL;
    }

    /**
     * The first upstream's answer to {@code query} ({@code request} its wire form), with the
     * client's id; null if none answered. Only after {@link #admit} returned ADMITTED: gives the
     * slot back.
     */
    byte[] forward(byte[] request, Message query, boolean overTcp) {
        try {
            for (InetSocketAddress upstream : upstreams) {
                int id = ids.nextInt(0x10000);
                byte[] outgoing = withId(request, id);
                try {
                    byte[] reply = overTcp ? forwardTcp(outgoing, id, query, upstream) : forwardUdp(outgoing, id, query, upstream);
                    return withId(reply, query.getHeader().getID());
                } catch (IOException e) {
                    LOG.debug("forwarding to {} failed: {}", upstream, e.toString());
                }
            }
            return null;
        } finally {
            slots.release();
        }
    }

    /** Gives back the slot {@link #admit} took for a forward that will not run. */
    void release() {
        slots.release();
    }

    private static byte[] forwardUdp(byte[] request, int id, Message query, InetSocketAddress upstream) throws IOException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(upstream);
            socket.send(new DatagramPacket(request, request.length));
            byte[] buffer = new byte[65_535];
            while (true) {
                socket.setSoTimeout(remainingMillis(deadline));
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                byte[] reply = Arrays.copyOf(packet.getData(), packet.getLength());
                if (answers(reply, id, query)) {
                    return reply;
                }
                LOG.debug("ignored a reply from {} that does not answer the question sent", upstream);
            }
        }
    }

    private static byte[] forwardTcp(byte[] request, int id, Message query, InetSocketAddress upstream) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(upstream, (int) TimeUnit.NANOSECONDS.toMillis(TIMEOUT_NANOS));
            socket.setSoTimeout((int) TimeUnit.NANOSECONDS.toMillis(TIMEOUT_NANOS));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(request.length);
            out.write(request);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            if (!answers(reply, id, query)) {
                throw new IOException("the reply does not answer the question sent");
            }
            return reply;
        }
    }

    /** True if {@code reply} is a response with {@code id} to the question of {@code query}. */
    private static boolean answers(byte[] reply, int id, Message query) {
        Message message;
        try {
            message = new Message(reply);
        } catch (IOException e) {
            return false;
        }
        Record question = message.getQuestion();
        return message.getHeader().getID() == id && message.getHeader().getFlag(Flags.QR)
                && question != null && question.equals(query.getQuestion());
    }

    private static byte[] withId(byte[] message, int id) {
        byte[] copy = message.clone();
        copy[0] = (byte) (id >>> 8);
        copy[1] = (byte) id;
        return copy;
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("no answer in time");
        }
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
    }
}
