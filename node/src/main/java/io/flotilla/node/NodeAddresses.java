package io.flotilla.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** The addresses a node deals in: {@code HOST:PORT} as flags give them, its hostname, a free port. */
public final class NodeAddresses {
    private NodeAddresses() {}

    /** {@code HOST:PORT}, {@code HOST}, {@code :PORT} (127.0.0.1) or {@code [v6]:PORT}; the port defaults to {@code defaultPort}. */
    public static InetSocketAddress parseAddress(String hostPort, int defaultPort) {
        String value = hostPort.strip();
        int colon = value.lastIndexOf(':');
        if (colon < 0 || value.endsWith("]")) {
            return new InetSocketAddress(value, defaultPort);
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(value.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid address '" + hostPort + "': expected HOST:PORT");
        }
    }

    /** This host's name, as the agent reports it and node certificates carry it. */
    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    static int freePort(InetAddress address) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.getLocalPort();
        }
    }
}
