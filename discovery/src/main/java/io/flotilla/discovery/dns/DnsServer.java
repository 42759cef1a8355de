package io.flotilla.discovery.dns;

import io.flotilla.discovery.EndpointSource;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's DNS server, over UDP and TCP on the same address: names in the cluster domain are
 * answered from the local registry ({@link DnsResponder}) to anyone; other names are forwarded to
 * the host's resolvers for the clients {@link DnsConfig#forwardFrom} allows, within their rate and
 * a bound on forwards at once ({@link DnsForwarder}).
 *
 * <p>UDP answers larger than the client allows (512 bytes, or its EDNS size) are truncated with
 * the TC flag, and the client retries over TCP, where any size goes. Local answers are made on
 * the receiving thread (two of them share the socket); forwarding, which waits on the network,
 * runs on a virtual thread; each TCP connection gets one. A TCP connection must deliver each
 * whole query within {@link DnsLimits#tcpIdle} (a client trickling bytes is closed like an idle
 * one), and at most {@link DnsLimits#maxTcpConnections} are served at once: one more is closed
 * on accept, so slow clients cannot hold the server's sockets and threads.
 *
 * <p>Without overlay, local answers are kept encoded ({@link AnswerCache}) while the source's
 * generation stays the same: a repeated question is answered by copying bytes, before any
 * parsing. Overlay answers depend on who asks, and forwarded ones on the upstream: they are never
 * kept.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    private static final int UDP_THREADS = 2;

    private final DnsConfig config;
    private final EndpointSource source;
    private final DnsResponder responder;
    /** Local answers by question, while the source's generation holds; null with overlay (answers depend on the asker). */
    private final AnswerCache cache;
    /** Questions from tasks on overlay networks, answered by network; null: no overlay. */
    private final OverlayResponder overlay;
    private final DnsForwarder forwarder;
    private final Semaphore tcpConnections;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private final DnsMetrics metrics;

    private DnsServer(DnsConfig config, EndpointSource registry, InstantSource clock, Supplier<OverlayNames> overlay,
                      DatagramSocket udp, ServerSocket tcp, DnsMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.source = registry;
        this.responder = new DnsResponder(registry, config);
        this.overlay = overlay == null ? null : new OverlayResponder(overlay, config);
        this.cache = overlay == null ? new AnswerCache() : null;
        this.forwarder = new DnsForwarder(config, clock);
        this.tcpConnections = new Semaphore(config.limits().maxTcpConnections());
        this.udp = udp;
        this.tcp = tcp;
    }

    /**
     * Binds UDP and TCP on {@code config.bind()} (port 0: a free port, the same for both) and
     * starts answering.
     */
    public static DnsServer start(DnsConfig config, EndpointSource registry) throws IOException {
        return start(config, registry, InstantSource.system());
    }

    /** As {@link #start(DnsConfig, EndpointSource)}, with the clock of the forward rate limit. */
    public static DnsServer start(DnsConfig config, EndpointSource registry, InstantSource clock) throws IOException {
        return start(config, registry, clock, null);
    }

    /**
     * As {@link #start(DnsConfig, EndpointSource, InstantSource)}; a question from a task on an
     * overlay network is answered from {@code overlay} (its networks' names only, {@link OverlayNames}).
     */
    public static DnsServer start(DnsConfig config, EndpointSource registry, InstantSource clock,
                                  Supplier<OverlayNames> overlay) throws IOException {
        return start(config, registry, clock, overlay, DnsMetrics.unexported());
    }

    /** As {@link #start(DnsConfig, EndpointSource, InstantSource, Supplier)}, counting every answer in {@code metrics}. */
    public static DnsServer start(DnsConfig config, EndpointSource registry, InstantSource clock,
                                  Supplier<OverlayNames> overlay, DnsMetrics metrics) throws IOException {
        InetSocketAddress bind = config.bind();
        IOException last = null;
        for (int attempt = 0; attempt < (bind.getPort() == 0 ? 10 : 1); attempt++) {
            DatagramSocket udp = null;
            try {
                udp = new DatagramSocket(bind);
                InetSocketAddress bound = new InetSocketAddress(bind.getAddress(), udp.getLocalPort());
                ServerSocket tcp = new ServerSocket();
                tcp.setReuseAddress(true);
                try {
                    tcp.bind(bound, 128);
                } catch (IOException e) {
                    tcp.close();
                    throw e;
                }
                DnsServer server = new DnsServer(config.withBind(bound), registry, clock, overlay, udp, tcp, metrics);
                server.run();
                return server;
            } catch (IOException e) {
                if (udp != null) {
                    udp.close();
                }
                last = e;
            }
        }
        throw new IOException("cannot serve DNS on " + bind + ": " + last.getMessage(), last);
    }

    private void run() {
        running = true;
        for (int i = 0; i < UDP_THREADS; i++) {
            threads.add(Thread.ofPlatform().daemon(true).name("flotilla-dns-udp-" + i).start(this::serveUdp));
        }
        threads.add(Thread.ofPlatform().daemon(true).name("flotilla-dns-tcp").start(this::serveTcp));
        LOG.info("DNS on {} (udp, tcp) for domain {}; forwarding others to {} for clients in {}", address(),
                config.domain(), config.upstreams().isEmpty() ? "nobody (refused)" : config.upstreams(), config.forwardFrom());
    }

    /** The bound address (UDP and TCP). */
    public InetSocketAddress address() {
        return config.bind();
    }

    public DnsConfig config() {
        return config;
    }

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        byte[] cached = new byte[AnswerCache.MAX_ANSWER];
        DatagramPacket reply = new DatagramPacket(cached, cached.length);
        while (running) {
            packet.setLength(buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (running) {
                    LOG.debug("DNS UDP receive failed: {}", e.toString());
                }
                continue;
            }
            long received = System.nanoTime();
            // Read before the source is: an answer is kept under a generation no newer than its data.
            long generation = cache == null ? EndpointSource.UNVERSIONED : source.generation();
            int length = generation == EndpointSource.UNVERSIONED ? -1
                    : cache.answer(buffer, packet.getLength(), false, generation, cached);
            if (length > 0) {
                metrics.answered(cached, received);
                reply.setData(cached, 0, length);
                reply.setSocketAddress(packet.getSocketAddress());
                try {
                    udp.send(reply);
                } catch (IOException e) {
                    LOG.debug("DNS reply to {} failed: {}", reply.getSocketAddress(), e.toString());
                }
                continue;
            }
            byte[] request = java.util.Arrays.copyOf(buffer, packet.getLength());
            InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
            try {
                Message query = new Message(request);
                Record question = query.getQuestion();
                byte[] answer;
                Message byNetwork = overlay == null ? null : overlay.answer(query, client.getAddress());
                if (byNetwork != null) {
                    answer = byNetwork.toWire(DnsResponder.udpLimit(query));
                } else if (question != null && !responder.isLocal(question.getName())) {
                    int refusal = forwarder.admit(client.getAddress());
                    if (refusal == DnsForwarder.ADMITTED) {
                        forwardUdp(request, query, client, received);
                        continue;
                    }
                    answer = error(query, refusal).toWire();
                } else {
                    answer = handle(query).toWire(DnsResponder.udpLimit(query));
                    if (generation != EndpointSource.UNVERSIONED) {
                        cache.store(request, request.length, false, generation, answer);
                    }
                }
                metrics.answered(answer, received);
                udp.send(new DatagramPacket(answer, answer.length, client));
            } catch (IOException | RuntimeException e) {
                LOG.debug("DNS query from {} failed: {}", client, e.toString());
            }
        }
    }

    private Message handle(Message query) {
        Record question = query.getQuestion();
        if (question == null || query.getHeader().getOpcode() != 0) {
            return error(query, question == null ? Rcode.FORMERR : Rcode.NOTIMP);
        }
        return responder.answer(query);
    }

    /** Forwards on a virtual thread, which holds the forward slot admit took until it answers. */
    private void forwardUdp(byte[] request, Message query, InetSocketAddress client, long received) {
        Runnable forward = () -> {
            byte[] answer = forwarder.forward(request, query, false);
            byte[] reply = answer != null ? answer : error(query, Rcode.SERVFAIL).toWire();
            metrics.answered(reply, received);
            try {
                udp.send(new DatagramPacket(reply, reply.length, client));
            } catch (IOException e) {
                LOG.debug("DNS reply to {} failed: {}", client, e.toString());
            }
        };
        try {
            virtualThreads.execute(forward);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            forwarder.release(); // closing: the slot is not used
        }
    }

    private void serveTcp() {
        while (running) {
            try {
                Socket socket = tcp.accept();
                if (!tcpConnections.tryAcquire()) {
                    LOG.debug("DNS TCP connection from {} closed: {} already open", socket.getRemoteSocketAddress(),
                            config.limits().maxTcpConnections());
                    socket.close();
                    continue;
                }
                try {
                    virtualThreads.execute(() -> serveConnection(socket));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    tcpConnections.release();
                    socket.close();
                    return;
                }
            } catch (IOException e) {
                if (running) {
                    LOG.debug("DNS TCP accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serveConnection(Socket socket) {
        long idleNanos = config.limits().tcpIdle().toNanos();
        byte[] cached = cache == null ? null : new byte[AnswerCache.MAX_ANSWER];
        try (socket) {
            InputStream in = socket.getInputStream();
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream()));
            while (running) {
                long deadline = System.nanoTime() + idleNanos;
                byte[] prefix = new byte[2];
                byte[] request;
                try {
                    readFully(socket, in, prefix, deadline);
                    request = new byte[((prefix[0] & 0xff) << 8) | (prefix[1] & 0xff)];
                    readFully(socket, in, request, deadline);
                } catch (EOFException | SocketTimeoutException e) {
                    return;
                }
                long received = System.nanoTime();
                long generation = cache == null ? EndpointSource.UNVERSIONED : source.generation();
                int length = generation == EndpointSource.UNVERSIONED ? -1
                        : cache.answer(request, request.length, true, generation, cached);
                if (length > 0) {
                    metrics.answered(cached, received);
                    out.writeShort(length);
                    out.write(cached, 0, length);
                    out.flush();
                    continue;
                }
                byte[] answer;
                Message query = new Message(request);
                Record question = query.getQuestion();
                InetSocketAddress client = (InetSocketAddress) socket.getRemoteSocketAddress();
                Message byNetwork = overlay == null ? null : overlay.answer(query, client.getAddress());
                if (byNetwork != null) {
                    answer = byNetwork.toWire(65_535);
                } else if (question != null && !responder.isLocal(question.getName())) {
                    int refusal = forwarder.admit(client.getAddress());
                    answer = refusal == DnsForwarder.ADMITTED ? forwarder.forward(request, query, true) : null;
                    if (answer == null) {
                        answer = error(query, refusal == DnsForwarder.ADMITTED ? Rcode.SERVFAIL : refusal).toWire();
                    }
                } else {
                    answer = handle(query).toWire(65_535);
                    if (generation != EndpointSource.UNVERSIONED) {
                        cache.store(request, request.length, true, generation, answer);
                    }
                }
                metrics.answered(answer, received);
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (SocketException e) {
            // client went away
        } catch (IOException | RuntimeException e) {
            LOG.debug("DNS TCP connection failed: {}", e.toString());
        } finally {
            tcpConnections.release();
        }
    }

    /**
     * Fills {@code buffer} by {@code deadline} ({@link System#nanoTime}): each read waits only for
     * what is left, so a client cannot stretch a query by sending a byte now and then.
     */
    private static void readFully(Socket socket, InputStream in, byte[] buffer, long deadline) throws IOException {
        int filled = 0;
        while (filled < buffer.length) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no whole query in time");
            }
            socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            int n = in.read(buffer, filled, buffer.length - filled);
            if (n < 0) {
                throw new EOFException();
            }
            filled += n;
        }
    }

    private static Message error(Message query, int rcode) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(rcode);
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        return response;
    }

    @Override
    public void close() {
        running = false;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing
        }
        virtualThreads.shutdownNow();
        for (Thread thread : threads) {
            try {
                thread.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
