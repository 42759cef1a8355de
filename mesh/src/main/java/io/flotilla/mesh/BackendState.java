package io.flotilla.mesh;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What the mesh knows about one backend of one service, kept across {@link Mesh#apply} calls so
 * that outstanding counts, ejection and pooled connections survive a table change.
 *
 * <p>Passive health: {@link #recordFailure} counts consecutive connect failures and 5xx answers;
 * at {@code ejectAfterFailures} the backend is ejected until {@code ejectFor} has passed, then
 * re-admitted with a clean count. Once {@link #retire() retired} (gone from the table) it takes no
 * new requests, its in-flight ones finish, and its idle connections are closed.
 *
 * <p>Idle HTTP connections are pooled per event loop; each deque is only touched from its loop.
 */
final class BackendState {
    private static final int MAX_IDLE_PER_LOOP = 256;

    final MeshBackend backend;
    final String service;
    final InetSocketAddress address;
    /** Where connections to it come from; null: the kernel's choice ({@link MeshBackend#sourceAddress}). */
    final InetSocketAddress source;
    final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicLong ejectedUntilNanos; // in the past (creation time) unless ejected; compared by difference, as nanoTime wraps
    private final int ejectAfterFailures;
    private final long ejectForNanos;
    private final LongSupplier nanoTime;
    private volatile boolean retired;
    private final ConcurrentHashMap<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();

    // Meters are looked up once here, so a request only increments (no tag lookups per request).
    private final Counter[] responsesByClass = new Counter[6];
    final Counter errors;
    final Counter ejections;
    final Timer latency;
    private final List<Meter> meters = new ArrayList<>();

    /** A new connection to this backend through {@code bootstrap}, from its source address if it has one. */
    io.netty.channel.ChannelFuture connect(io.netty.bootstrap.Bootstrap bootstrap) {
        return source == null ? bootstrap.connect(address) : bootstrap.connect(address, source);
    }

    /**
     * As {@link #connect(io.netty.bootstrap.Bootstrap)}, at {@code port} when the backend has none of
     * its own (port 0: a transparent listener's, which reaches it at the connection's original port).
     */
    io.netty.channel.ChannelFuture connect(io.netty.bootstrap.Bootstrap bootstrap, int port) {
        if (backend.port() != 0 || port == 0) {
            return connect(bootstrap);
        }
        InetSocketAddress at = new InetSocketAddress(address.getAddress(), port);
        return source == null ? bootstrap.connect(at) : bootstrap.connect(at, source);
    }

    BackendState(String service, MeshBackend backend, MeshOptions options, LongSupplier nanoTime, MeterRegistry registry) {
        this.service = service;
        this.backend = backend;
        this.address = new InetSocketAddress(backend.host(), backend.port());
        this.source = backend.sourceAddress() == null ? null : new InetSocketAddress(backend.sourceAddress(), 0);
        this.ejectAfterFailures = options.ejectAfterFailures();
        this.ejectForNanos = options.ejectFor().toNanos();
        this.nanoTime = nanoTime;
        this.ejectedUntilNanos = new AtomicLong(nanoTime.getAsLong());
        String[] classes = {"1xx", "2xx", "3xx", "4xx", "5xx"};
        for (int i = 0; i < classes.length; i++) {
            responsesByClass[i + 1] = meter(Counter.builder("flotilla.mesh.requests")
                    .description("Requests (HTTP) or connections (TCP) forwarded to a backend, by answer class")
                    .tags("service", service, "backend", backend.id(), "code", classes[i]).register(registry));
        }
        responsesByClass[0] = meter(Counter.builder("flotilla.mesh.requests")
                .tags("service", service, "backend", backend.id(), "code", "tcp").register(registry));
        errors = meter(Counter.builder("flotilla.mesh.backend.errors")
                .description("Connect failures, resets and 5xx answers of a backend")
                .tags("service", service, "backend", backend.id()).register(registry));
        ejections = meter(Counter.builder("flotilla.mesh.backend.ejections")
                .description("Times passive health checking ejected a backend")
                .tags("service", service, "backend", backend.id()).register(registry));
        latency = meter(Timer.builder("flotilla.mesh.request.duration")
                .description("Time from the request's arrival to the backend's full answer (HTTP), or to the backend connect (TCP)")
                .tags("service", service, "backend", backend.id())
                .publishPercentileHistogram()
                .register(registry));
        meter(Gauge.builder("flotilla.mesh.backend.outstanding", outstanding, AtomicInteger::get)
                .description("Requests (HTTP) or connections (TCP) in flight to a backend")
                .tags("service", service, "backend", backend.id()).register(registry));
        meter(Gauge.builder("flotilla.mesh.backend.ejected", this, b -> b.isEjected() ? 1 : 0)
                .tags("service", service, "backend", backend.id()).register(registry));
    }

    private <M extends Meter> M meter(M meter) {
        meters.add(meter);
        return meter;
    }

    /** Counts an answer; 0 means a TCP connection. */
    void recordResponse(int status, long elapsedNanos) {
        int statusClass = status / 100;
        responsesByClass[statusClass >= 1 && statusClass <= 5 ? statusClass : 0].increment();
        latency.record(elapsedNanos, TimeUnit.NANOSECONDS);
        if (status >= 500) {
            recordFailure();
        } else {
            consecutiveFailures.set(0);
        }
    }

    void recordSuccess() {
        consecutiveFailures.set(0);
    }

    /** A connect failure, a reset or a 5xx: the Nth in a row ejects the backend. */
    void recordFailure() {
        errors.increment();
        if (consecutiveFailures.incrementAndGet() >= ejectAfterFailures) {
            consecutiveFailures.set(0);
            ejectedUntilNanos.set(nanoTime.getAsLong() + ejectForNanos);
            ejections.increment();
        }
    }

    boolean isEjected() {
        return nanoTime.getAsLong() - ejectedUntilNanos.get() < 0;
    }

    boolean isRetired() {
        return retired;
    }

    /** Gone from the table: no new requests; idle connections close now, busy ones when their request ends. */
    void retire() {
        retired = true;
        idle.forEach((loop, deque) -> loop.execute(() -> {
            for (Channel channel; (channel = deque.poll()) != null; ) {
                channel.close();
            }
        }));
    }

    List<Meter> meters() {
        return meters;
    }

    /** An idle pooled connection on this loop, or null. Call on {@code loop}. */
    Channel pollIdle(EventLoop loop) {
        ArrayDeque<Channel> deque = idle.get(loop);
        if (deque == null) {
            return null;
        }
        for (Channel channel; (channel = deque.pollLast()) != null; ) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    /** Returns a connection after a complete exchange. Call on the channel's loop. */
    void release(Channel channel) {
        if (retired || !channel.isActive()) {
            channel.close();
            return;
        }
        ArrayDeque<Channel> deque = idle.computeIfAbsent(channel.eventLoop(), loop -> new ArrayDeque<>());
        if (deque.size() >= MAX_IDLE_PER_LOOP) {
            channel.close();
            return;
        }
        deque.addLast(channel);
    }

    /** Called once per new connection: a pooled connection the backend closes leaves the pool. */
    void track(Channel channel) {
        channel.closeFuture().addListener(f -> {
            ArrayDeque<Channel> deque = idle.get(channel.eventLoop());
            if (deque != null) {
                deque.remove(channel);
            }
        });
    }

    @Override
    public String toString() {
        return service + "/" + backend.id() + "@" + backend.host() + ":" + backend.port();
    }
}
