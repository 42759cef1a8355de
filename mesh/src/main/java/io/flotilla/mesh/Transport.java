package io.flotilla.mesh;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The I/O transport: Linux epoll when the native library loads (fewer syscalls and no selector
 * garbage), NIO otherwise. One group serves both the listeners and the backend connections, so a
 * request and its backend connection stay on the same event loop and never change threads.
 */
record Transport(String name, EventLoopGroup group, Class<? extends ServerChannel> serverChannel,
                 Class<? extends SocketChannel> socketChannel) {

    static Transport create(int threads) {
        int loops = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("flotilla-mesh", true);
        if (Epoll.isAvailable()) {
            IoHandlerFactory factory = EpollIoHandler.newFactory();
            return new Transport("epoll", new MultiThreadIoEventLoopGroup(loops, threadFactory, factory),
                    EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new Transport("nio", new MultiThreadIoEventLoopGroup(loops, threadFactory, NioIoHandler.newFactory()),
                NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
