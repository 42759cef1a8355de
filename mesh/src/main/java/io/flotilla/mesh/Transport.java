package io.flotilla.mesh;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.Map;
import jdk.net.ExtendedSocketOptions;

/**
 * The I/O transport: Linux io_uring when the kernel allows it (reads, writes and accepts queued on a
 * ring shared with the kernel: far fewer syscalls per request; measured ~20 % more requests a second
 * than epoll in {@code bench mesh}, docs/benchmarks.md), else epoll when the native library loads (fewer
 * syscalls and no selector garbage than NIO), else NIO. {@value #PROPERTY} ({@code io_uring},
 * {@code epoll}, {@code nio}) asks for one; one asked for that cannot load is an error, not a
 * fallback. One group serves both the listeners and the backend connections, so a request and its
 * backend connection stay on the same event loop and never change threads.
 */
record Transport(String name, EventLoopGroup group, Class<? extends ServerChannel> serverChannel,
                 Class<? extends SocketChannel> socketChannel) {
    /**
     * TCP keep-alive on every mesh socket, client and backend side: the first probe after this much
     * quiet (Linux waits 2 hours by default, longer than any NAT or firewall keeps an idle flow) ...
     */
    static final int KEEPALIVE_IDLE_SECONDS = 60;
    /** ... then one probe every 10 s, and after 6 unanswered ones the peer is taken as gone (about 2 min in all). */
    static final int KEEPALIVE_INTERVAL_SECONDS = 10;
    static final int KEEPALIVE_PROBES = 6;
    /**
     * TCP_USER_TIMEOUT on backend connections (io_uring and epoll; the JDK's NIO has no such option): bytes
     * sent to a backend that its kernel has not acknowledged after this long close the connection.
     * A backend's kernel acknowledges at once even when the backend process is slow or paused, so
     * this finds a host that is gone or cut off (a request sent on a pooled connection to it would
     * otherwise wait for the response timeout); the request then fails before any response byte
     * and an idempotent one is retried on another backend. HAProxy's {@code tcp-ut} on a server
     * line; it also ends keep-alive probing after the first unanswered probe.
     */
    static final int BACKEND_UNACKNOWLEDGED_MILLIS = 2000;

    /** The system property that picks a transport instead of the best one available. */
    static final String PROPERTY = "flotilla.mesh.transport";

    static Transport create(int threads) {
        return create(threads, System.getProperty(PROPERTY, "auto"));
    }

    /** {@code wanted}: {@code auto} (the best available), {@code io_uring}, {@code epoll} or {@code nio}. */
    static Transport create(int threads, String wanted) {
        int loops = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("flotilla-mesh", true);
        boolean auto = wanted.equals("auto");
        if (!auto && !List.of("io_uring", "epoll", "nio").contains(wanted)) {
            throw new IllegalArgumentException(PROPERTY + " is io_uring, epoll or nio, not '" + wanted + "'");
        }
        if (wanted.equals("io_uring")) {
            IoUring.ensureAvailability(); // says why not
        }
        if ((auto || wanted.equals("io_uring")) && IoUring.isAvailable()) {
            return new Transport("io_uring", new MultiThreadIoEventLoopGroup(loops, threadFactory, IoUringIoHandler.newFactory()),
                    IoUringServerSocketChannel.class, IoUringSocketChannel.class);
        }
        if (wanted.equals("epoll")) {
            Epoll.ensureAvailability();
        }
        if ((auto || wanted.equals("epoll")) && Epoll.isAvailable()) {
            IoHandlerFactory factory = EpollIoHandler.newFactory();
            return new Transport("epoll", new MultiThreadIoEventLoopGroup(loops, threadFactory, factory),
                    EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return nio(loops);
    }

    /** Whether the sockets are Linux's own (io_uring or epoll): their descriptors and TCP options are at hand. */
    boolean isNative() {
        return !name.equals("nio");
    }

    /** NIO whatever the platform offers (tests of what needs a native transport). */
    static Transport nio(int loops) {
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("flotilla-mesh", true);
        return new Transport("nio", new MultiThreadIoEventLoopGroup(loops, threadFactory, NioIoHandler.newFactory()),
                NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** Why no native transport is in use, for errors. */
    static String nativeUnavailability() {
        Throwable ioUring = IoUring.unavailabilityCause();
        Throwable epoll = Epoll.unavailabilityCause();
        return ioUring == null || epoll == null ? "a native transport is available, but this mesh was made with NIO"
                : "io_uring unavailable: " + ioUring + "; epoll unavailable: " + epoll;
    }

    /** SO_KEEPALIVE with this transport's way of setting the probe timing. */
    private Map<ChannelOption<?>, Object> keepAliveOptions() {
        if (name.equals("epoll")) {
            return Map.of(ChannelOption.SO_KEEPALIVE, true,
                    EpollChannelOption.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS,
                    EpollChannelOption.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_SECONDS,
                    EpollChannelOption.TCP_KEEPCNT, KEEPALIVE_PROBES);
        }
        if (name.equals("io_uring")) {
            return Map.of(ChannelOption.SO_KEEPALIVE, true,
                    IoUringChannelOption.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS,
                    IoUringChannelOption.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_SECONDS,
                    IoUringChannelOption.TCP_KEEPCNT, KEEPALIVE_PROBES);
        }
        return Map.of(ChannelOption.SO_KEEPALIVE, true,
                NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), KEEPALIVE_IDLE_SECONDS,
                NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), KEEPALIVE_INTERVAL_SECONDS,
                NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), KEEPALIVE_PROBES);
    }

    /** Keep-alive on the connections a listener accepts. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    ServerBootstrap keepAlive(ServerBootstrap bootstrap) {
        keepAliveOptions().forEach((option, value) -> bootstrap.childOption((ChannelOption) option, value));
        return bootstrap;
    }

    /** Keep-alive and the unacknowledged-bytes limit on the connections made to backends. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Bootstrap keepAlive(Bootstrap bootstrap) {
        keepAliveOptions().forEach((option, value) -> bootstrap.option((ChannelOption) option, value));
        if (name.equals("epoll")) {
            bootstrap.option(EpollChannelOption.TCP_USER_TIMEOUT, BACKEND_UNACKNOWLEDGED_MILLIS);
        } else if (name.equals("io_uring")) {
            bootstrap.option(IoUringChannelOption.TCP_USER_TIMEOUT, BACKEND_UNACKNOWLEDGED_MILLIS);
        }
        return bootstrap;
    }
}
