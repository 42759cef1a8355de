package io.flotilla.discovery.dns;

import io.flotilla.discovery.EndpointSource;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's DNS server, over UDP and TCP on the same address: names in the cluster domain are
 * answered from the local registry ({@link DnsResponder}); other names are forwarded, as they
 * came, to the host's resolvers.
 *
 * <p>UDP answers larger than the client allows (512 bytes, or its EDNS size) are truncated with
 * the TC flag, and the client retries over TCP, where any size goes. Local answers are made on
 * the receiving thread (two of them share the socket); forwarding, which waits on the network,
 * runs on a virtual thread; each TCP connection gets one.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    private static final int UDP_THREADS = 2;
    private static final int FORWARD_TIMEOUT_MS = 2_000;
    private static final int TCP_IDLE_MS = 10_000;

    private final DnsConfig config;
    private final DnsResponder responder;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    private DnsServer(DnsConfig config, EndpointSource registry, DatagramSocket udp, ServerSocket tcp) {
        this.config = config;
        this.responder = new DnsResponder(registry, config);
        this.udp = udp;
        this.tcp = tcp;
    }

    /**
     * Binds UDP and TCP on {@code config.bind()} (port 0: a free port, the same for both) and
     * starts answering.
     */
    public static DnsServer start(DnsConfig config, EndpointSource registry) throws IOException {
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
                DnsServer server = new DnsServer(new DnsConfig(bound, config.domain(), config.ttl(),
                        config.negativeTtl(), config.upstreams()), registry, udp, tcp);
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
        LOG.info("DNS on {} (udp, tcp) for domain {}; forwarding others to {}", address(), config.domain(),
                config.upstreams().isEmpty() ? "nobody (refused)" : config.upstreams());
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
        while (running) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (running) {
                    LOG.debug("DNS UDP receive failed: {}", e.toString());
                }
                continue;
            }
            byte[] request = java.util.Arrays.copyOfRange(packet.getData(), packet.getOffset(),
                    packet.getOffset() + packet.getLength());
            InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
            try {
                Message query = new Message(request);
                Record question = query.getQuestion();
                if (question != null && !responder.isLocal(question.getName())) {
                    virtualThreads.execute(() -> forwardUdp(request, query, client));
                    continue;
                }
                byte[] answer = handle(query).toWire(DnsResponder.udpLimit(query));
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

    private void forwardUdp(byte[] request, Message query, InetSocketAddress client) {
        byte[] answer = forward(request, false);
        byte[] reply = answer != null ? answer : error(query, config.upstreams().isEmpty() ? Rcode.REFUSED : Rcode.SERVFAIL).toWire();
        try {
            udp.send(new DatagramPacket(reply, reply.length, client));
        } catch (IOException e) {
            LOG.debug("DNS reply to {} failed: {}", client, e.toString());
        }
    }

    /** The first upstream's answer to {@code request}, as is; null if none answered. */
    private byte[] forward(byte[] request, boolean overTcp) {
        for (InetSocketAddress upstream : config.upstreams()) {
            try {
                return overTcp ? forwardTcp(request, upstream) : forwardUdp(request, upstream);
            } catch (IOException e) {
                LOG.debug("forwarding to {} failed: {}", upstream, e.toString());
            }
        }
        return null;
    }

    private static byte[] forwardUdp(byte[] request, InetSocketAddress upstream) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(FORWARD_TIMEOUT_MS);
            socket.send(new DatagramPacket(request, request.length, upstream));
            byte[] buffer = new byte[65_535];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            socket.receive(reply);
            return java.util.Arrays.copyOf(reply.getData(), reply.getLength());
        }
    }

    private static byte[] forwardTcp(byte[] request, InetSocketAddress upstream) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(upstream, FORWARD_TIMEOUT_MS);
            socket.setSoTimeout(FORWARD_TIMEOUT_MS);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(request.length);
            out.write(request);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            return reply;
        }
    }

    private void serveTcp() {
        while (running) {
            try {
                Socket socket = tcp.accept();
                virtualThreads.execute(() -> serveConnection(socket));
            } catch (IOException e) {
                if (running) {
                    LOG.debug("DNS TCP accept failed: {}", e.toString());
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void serveConnection(Socket socket) {
        try (socket) {
            socket.setSoTimeout(TCP_IDLE_MS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream()));
            while (running) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException | SocketTimeoutException e) {
                    return;
                }
                byte[] request = new byte[length];
                in.readFully(request);
                byte[] answer;
                Message query = new Message(request);
                Record question = query.getQuestion();
                if (question != null && !responder.isLocal(question.getName())) {
                    answer = forward(request, true);
                    if (answer == null) {
                        answer = error(query, config.upstreams().isEmpty() ? Rcode.REFUSED : Rcode.SERVFAIL).toWire();
                    }
                } else {
                    answer = handle(query).toWire(65_535);
                }
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (SocketException e) {
            // client went away
        } catch (IOException | RuntimeException e) {
            LOG.debug("DNS TCP connection failed: {}", e.toString());
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
