package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A worker's API relays a streaming answer ({@code GET /v1/events}, a watch) as it is written: the
 * client reads the first line while the manager still holds the rest back.
 */
class ApiRelayStreamTest {

    @Test
    void aStreamedAnswerPassesLineByLine() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        try (ServerSocket manager = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = manager.accept()) {
                    BufferedReader request = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                            StandardCharsets.US_ASCII));
                    while (!request.readLine().isEmpty()) {
                        // the request head
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + chunk("{\"index\":3,\"seq\":0,\"type\":\"node.down\"}\n")).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    firstRead.await(10, TimeUnit.SECONDS); // the rest only once the client read the first line
                    out.write((chunk("{\"index\":4,\"seq\":0,\"type\":\"node.back\"}\n") + "0\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (Exception e) {
                    // the test fails on the client side
                }
            });
            String upstream = "127.0.0.1:" + manager.getLocalPort();
            try (ApiRelay relay = ApiRelay.start(new InetSocketAddress("127.0.0.1", 0), () -> List.of(upstream), null);
                 Socket client = new Socket("127.0.0.1", relay.address().getPort())) {
                client.setSoTimeout(5_000);
                client.getOutputStream().write("GET /v1/events?since=0 HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while (!(line = in.readLine()).contains("node.down")) {
                    assertThat(line).as("the first event arrives before the stream ends").isNotNull();
                }
                firstRead.countDown();
                while (!(line = in.readLine()).contains("node.back")) {
                    assertThat(line).isNotNull();
                }
            }
        }
    }

    private static String chunk(String text) {
        return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
    }
}
