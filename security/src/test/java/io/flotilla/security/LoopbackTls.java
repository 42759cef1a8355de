package io.flotilla.security;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** A TLS server on a loopback port that answers each client with its certificate's CN ("-" for none), and its client. */
final class LoopbackTls implements AutoCloseable {
    private final SSLServerSocket server;
    private final AtomicReference<String> peer = new AtomicReference<>();

    /** A server that wants (not needs) a client certificate. */
    LoopbackTls(SSLContext context) throws IOException {
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress());
        server.setWantClientAuth(true);
        Thread.ofVirtual().start(this::accept);
    }

    private void accept() {
        while (!server.isClosed()) {
            try (SSLSocket socket = (SSLSocket) server.accept()) {
                socket.startHandshake();
                String who;
                try {
                    who = PeerIdentity.of((java.security.cert.X509Certificate) socket.getSession()
                            .getPeerCertificates()[0]).commonName();
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    who = "-";
                }
                peer.set(who);
                socket.getOutputStream().write((who + "\n").getBytes());
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // a refused handshake: next
            }
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** The CN of the last client that completed a handshake. */
    String lastPeer() {
        return peer.get();
    }

    /** Connects with {@code context} (checking the server's name, as HTTPS does) and returns what the server saw of us. */
    static String call(SSLContext context, int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes()).strip();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
