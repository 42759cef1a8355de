package io.flotilla.discovery.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Raw DNS clients for tests that care about the source address (any 127.0.0.0/8 address: Linux
 * answers them all on lo) and about exactly which reply comes back, which a resolver library hides.
 */
final class DnsClients {
    private DnsClients() {
    }

    static Message query(String name) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
    }

    /** The first reply to {@code query} sent over UDP from {@code source} (port any), within {@code wait}. */
    static Message askUdp(InetSocketAddress server, String source, Message query, Duration wait) throws IOException {
        return new Message(udp(server, source, query.toWire(), wait));
    }

    /** The first reply's bytes to the query bytes {@code wire}, over UDP from {@code source}, within {@code wait}. */
    static byte[] udp(InetSocketAddress server, String source, byte[] wire, Duration wait) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(source, 0))) {
            socket.setSoTimeout((int) wait.toMillis());
            socket.send(new DatagramPacket(wire, wire.length, server));
            byte[] buffer = new byte[65_535];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            socket.receive(reply);
            return java.util.Arrays.copyOf(reply.getData(), reply.getLength());
        }
    }

    /** The reply to {@code query} over a new TCP connection from {@code source}. */
    static Message askTcp(InetSocketAddress server, String source, Message query, Duration wait) throws IOException {
        return new Message(tcp(server, source, query.toWire(), wait));
    }

    /** The reply's bytes to the query bytes {@code wire} over a new TCP connection from {@code source}. */
    static byte[] tcp(InetSocketAddress server, String source, byte[] wire, Duration wait) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(server, (int) wait.toMillis());
            socket.setSoTimeout((int) wait.toMillis());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(wire.length);
            out.write(wire);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            return reply;
        }
    }
}
