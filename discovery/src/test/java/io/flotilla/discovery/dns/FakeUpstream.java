package io.flotilla.discovery.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * A hand-written upstream resolver on 127.0.0.1 (UDP): records every query it gets and answers
 * as the test's script says, from its own port or, to play a spoofer, from a second socket.
 */
final class FakeUpstream implements AutoCloseable {
    /** What to send back for one query. */
    interface Script {
        void reply(FakeUpstream upstream, Message query, SocketAddress forwarder) throws IOException, InterruptedException;
    }

    /** Answers every query at once with 192.0.2.1. */
    static final Script ANSWERS = (upstream, query, forwarder) ->
            upstream.send(answer(query, query.getHeader().getID(), query.getQuestion(), "192.0.2.1"), forwarder);
    /** Never answers: forwards wait for their timeout. */
    static final Script SILENT = (upstream, query, forwarder) -> { };

    private final DatagramSocket socket;
    private final DatagramSocket spoofer;
    private final List<Message> queries = new CopyOnWriteArrayList<>();
    private final Thread thread;

    FakeUpstream(Script script) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        spoofer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        thread = Thread.ofPlatform().daemon(true).name("fake-upstream").start(() -> {
            byte[] buffer = new byte[65_535];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                    queries.add(query);
                    script.reply(this, query, packet.getSocketAddress());
                } catch (IOException | InterruptedException e) {
                    // closed
                }
            }
        });
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    List<Message> queries() {
        return queries;
    }

    void send(Message message, SocketAddress to) throws IOException {
        byte[] wire = message.toWire();
        socket.send(new DatagramPacket(wire, wire.length, to));
    }

    /** Sends from another port of 127.0.0.1, as an off-path spoofer would. */
    void sendFromAnotherPort(Message message, SocketAddress to) throws IOException {
        byte[] wire = message.toWire();
        spoofer.send(new DatagramPacket(wire, wire.length, to));
    }

    /** A response with {@code id}, {@code question}, and one A record {@code address}. */
    static Message answer(Message query, int id, Record question, String address) throws IOException {
        Message response = new Message(id);
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.RA);
        response.addRecord(question, Section.QUESTION);
        response.addRecord(new ARecord(question.getName(), DClass.IN, 60, InetAddress.getByName(address)), Section.ANSWER);
        return response;
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        spoofer.close();
        thread.join(1_000);
    }
}
