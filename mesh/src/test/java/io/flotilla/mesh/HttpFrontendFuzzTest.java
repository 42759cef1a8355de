package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The bytes a client sends to a plaintext HTTP listener, through the listener's own pipeline
 * ({@link HttpFrontendInitializer}: the preface sniffer, then HTTP/1.1 or h2c with prior
 * knowledge) on an {@link EmbeddedChannel}. Routes: one without backends (503), one to a backend
 * the embedded event loop cannot register a socket for (the connect fails at once: no packet
 * leaves the JVM; 502). Each input is written in two halves, so the decoders also see a split.
 *
 * <p>The contract: what reaches the end of the pipeline is a decoder's refusal (an h2 connection
 * error, a closed channel) and the channel then closes; what the proxy handler catches is a
 * decoder's refusal or an I/O error, never a bug's exception: {@link HttpProxyHandler} logs what
 * it catches at debug (its only trace), so a capturing appender reads it.
 *
 * <p>The mesh does not parse the PROXY protocol: it only writes a v2 header to TCP backends
 * ({@link TcpProxyHandler}); there is no inbound PROXY parser to fuzz.
 *
 * <p>Corpus: {@code HttpFrontendFuzzTestInputs/servesOrCloses/}, raw client bytes.
 */
class HttpFrontendFuzzTest {
    /** Exceptions that only a bug throws; a decoder's refusal names DecoderException, Http2Exception, IOException. */
    private static final Pattern BUG = Pattern.compile("NullPointerException|ClassCastException|IndexOutOfBounds"
            + "|IllegalStateException|ArithmeticException|StackOverflowError|OutOfMemoryError"
            + "|IllegalReferenceCountException|UnsupportedOperationException|NegativeArraySizeException");
    /** How connecting to the backend fails on the embedded event loop: the stub, not a finding. */
    private static final String STUBBED_BACKEND = "incompatible event loop type";
    /**
     * Netty's refusal of an h2 request without {@code :path} or {@code :method}: a
     * NullPointerException by design (a checkNotNull) in a DecoderException; the proxy handler
     * closes the stream (RST_STREAM). Kept in the corpus as {@code h2c-no-path.bin}.
     */
    private static final String MISSING_PSEUDO_HEADER = "cannot be null in conversion to HTTP/1.x";
    private static final CaughtByProxy CAUGHT = CaughtByProxy.install();
    private static final MeterRegistry METERS = new SimpleMeterRegistry();
    private static final MeshOptions OPTIONS = MeshOptions.defaults();
    private static final MeshRuntime RUNTIME = new MeshRuntime(
            new Transport("nio", null, NioServerSocketChannel.class, NioSocketChannel.class), OPTIONS, METERS);
    private static final ListenerState LISTENER = listener();
    private static final long MAX_NANOS = 5_000_000_000L;

    @FuzzTest(maxDuration = "20s")
    void servesOrCloses(byte[] input) {
        long nanos = timedRun(input);
        if (nanos >= MAX_NANOS) {
            // a cold JVM pays for loading (and, when fuzzing, instrumenting) Netty's codecs on the
            // first input that reaches them; super-linear work is slow again on the second run
            nanos = timedRun(input);
        }
        assertThat(nanos).as("time in ns (second try)").isLessThan(MAX_NANOS);
    }

    private static long timedRun(byte[] input) {
        CAUGHT.clear();
        long start = System.nanoTime();
        EmbeddedChannel channel = new AcceptedChannel(new HttpFrontendInitializer(LISTENER, RUNTIME));
        try {
            int half = input.length / 2;
            Throwable reached = write(channel, Arrays.copyOfRange(input, 0, half));
            if (reached == null && channel.isOpen()) { // the first half may already have been refused
                reached = write(channel, Arrays.copyOfRange(input, half, input.length));
            }
            channel.runPendingTasks();
            if (reached == null) {
                reached = reachedTheEnd(channel);
            }
            if (reached != null) {
                assertThat(reached).as("what reached the end of the pipeline")
                        .isInstanceOfAny(DecoderException.class, Http2Exception.class, ClosedChannelException.class);
                // an h2 connection error closes after GOAWAY, once the drain timeout has passed
                channel.advanceTimeBy(OPTIONS.drainTimeout().toNanos() + 1, TimeUnit.NANOSECONDS);
                channel.runScheduledPendingTasks();
                assertThat(channel.isOpen()).as("open after %s", reached.toString()).isFalse();
            }
            channel.close();
            channel.runPendingTasks();
            Throwable onClose = reachedTheEnd(channel);
            if (onClose != null) {
                assertThat(onClose).isInstanceOfAny(ClosedChannelException.class, Http2Exception.class);
            }
        } finally {
            channel.finishAndReleaseAll();
            LISTENER.connections.remove(channel);
        }
        for (Caught caught : CAUGHT.caught()) {
            if (caught.message().contains(STUBBED_BACKEND) || caught.message().contains(MISSING_PSEUDO_HEADER)) {
                continue;
            }
            // the exceptions' classes, not their messages: a message may quote the client's bytes
            // (a path "…NegativeArraySizeException…" the URI check refused)
            assertThat(BUG.matcher(caught.classes()).find()).as("the proxy handler caught: %s", caught.message()).isFalse();
        }
        return System.nanoTime() - start;
    }

    /** Writes {@code bytes} as the client; what reached the tail of the pipeline meanwhile, if anything. */
    private static Throwable write(EmbeddedChannel channel, byte[] bytes) {
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes)); // rethrows what reached the tail
            return null;
        } catch (Throwable reached) {
            return reached;
        }
    }

    /** The exception that reached the tail of the pipeline, if any (EmbeddedChannel records it). */
    private static Throwable reachedTheEnd(EmbeddedChannel channel) {
        try {
            channel.checkException();
            return null;
        } catch (Throwable reached) {
            return reached;
        }
    }

    /**
     * A connection as a listener accepts it: its parent is a server channel (h2's multiplexer
     * takes a channel without one for a client) and its addresses are IP addresses, which the
     * proxy handler reads for X-Forwarded-For. The parent is a local (in-JVM) server channel.
     */
    private static final class AcceptedChannel extends EmbeddedChannel {
        private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 50_000);
        private static final InetSocketAddress LISTENING = new InetSocketAddress("127.0.0.1", 8080);

        AcceptedChannel(ChannelHandler initializer) {
            super(new LocalServerChannel(), DefaultChannelId.newInstance(), true, false, initializer);
        }

        @Override
        protected SocketAddress localAddress0() {
            return LISTENING;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return CLIENT;
        }
    }

    private static ListenerState listener() {
        RouteState.ServiceMeters meters = new RouteState.ServiceMeters(METERS.counter("no.backend"),
                METERS.counter("exhausted"), METERS.counter("retries"), METERS.counter("timeouts"));
        MeshBackend backend = new MeshBackend("b1", "127.0.0.1", 9);
        MeshRoute api = new MeshRoute("shop_api", "api.example", "/v1", MeshRoute.Balancing.STICKY_COOKIE, List.of());
        MeshRoute web = new MeshRoute("shop_web", null, "/", MeshRoute.Balancing.P2C, List.of(backend));
        List<RouteState> routes = List.of(new RouteState(api, List.of(), meters), new RouteState(web,
                List.of(new BackendState("shop_web", backend, OPTIONS, System::nanoTime, METERS)), meters));
        return new ListenerState(new MeshListener("127.0.0.1", 0, MeshListener.Protocol.HTTP, null, false,
                List.of(api, web)), null, routes, OPTIONS.maxConnections(), METERS.counter("refused"));
    }

    /**
     * Records what {@link HttpProxyHandler} logs at debug (the exceptions it caught) and passes
     * its info and louder lines on to the usual appenders, so other tests' logs are unchanged.
     */
    /** What the proxy handler logged it caught: the message, and the classes of the exception's chain. */
    private record Caught(String message, String classes) {}

    private static final class CaughtByProxy extends AppenderBase<ILoggingEvent> {
        private final List<Caught> messages = new ArrayList<>();
        private final List<Appender<ILoggingEvent>> rootAppenders = new ArrayList<>();

        static CaughtByProxy install() {
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            CaughtByProxy appender = new CaughtByProxy();
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                appender.rootAppenders.add(it.next());
            }
            appender.setContext(root.getLoggerContext());
            appender.start();
            Logger proxy = (Logger) LoggerFactory.getLogger(HttpProxyHandler.class);
            proxy.setLevel(Level.DEBUG);
            proxy.setAdditive(false);
            proxy.addAppender(appender);
            return appender;
        }

        @Override
        protected synchronized void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.INFO)) {
                rootAppenders.forEach(appender -> appender.doAppend(event));
            } else {
                StringBuilder classes = new StringBuilder();
                for (ch.qos.logback.classic.spi.IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                    classes.append(t.getClassName()).append(' ');
                }
                messages.add(new Caught(event.getFormattedMessage(), classes.toString()));
            }
        }

        synchronized List<Caught> caught() {
            return List.copyOf(messages);
        }

        synchronized void clear() {
            messages.clear();
        }
    }
}
