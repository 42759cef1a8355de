package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A node that stops while a request is being answered (a long poll, a stream) must stop quietly:
 * the answer's end, reached after the event loop is gone, logs no ERROR (a clean `demo` or bench
 * shutdown printed Netty's "Event loop shut down?" stack traces).
 */
class ApiTransportCloseTest {
    @Test
    void anAnswerThatEndsAfterTheServerClosedLogsNoError() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        root.addAppender(seen);
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch handlerDone = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
            ApiTransport transport = new ApiTransport(new InetSocketAddress("127.0.0.1", 0), null, exchange -> {
                try (exchange) {
                    inHandler.countDown();
                    release.await(10, TimeUnit.SECONDS); // a long poll, still waiting when the node stops
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    thrown.set(e); // what ending the answer threw (a loop that refused a task, say)
                } finally {
                    handlerDone.countDown();
                }
            }, threads);
            transport.start();
            try (Socket socket = new Socket()) {
                socket.connect(transport.address(), 2000);
                OutputStream out = socket.getOutputStream();
                out.write("GET /v1/progress HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
                transport.close();
                release.countDown();
                assertThat(handlerDone.await(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(200); // a refused notification is logged by the thread that tried it, at once
                drain(socket.getInputStream());
            }
            assertThat(thrown.get()).as("ending the answer after the close").isNull();
        } finally {
            root.detachAppender(seen);
        }
        assertThat(seen.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    private static void drain(InputStream in) {
        try {
            in.readAllBytes();
        } catch (IOException closed) {
            // the server is gone: what the client sees is not this test's concern
        }
    }
}
