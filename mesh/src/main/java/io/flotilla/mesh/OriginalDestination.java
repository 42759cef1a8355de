package io.flotilla.mesh;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Where a connection accepted by a {@link MeshListener.Protocol#TRANSPARENT_TCP} listener was sent
 * before the kernel's DNAT redirected it: {@code getsockopt(SOL_IP, SO_ORIGINAL_DST)}, which reads
 * the connection's conntrack entry. Neither the JDK nor Netty expose that option, hence the call
 * into libc through JNA (already on the node's class path, for docker-java); it needs the socket's
 * descriptor, which the io_uring and epoll transports give (NIO does not).
 *
 * <p>Why DNAT and not TPROXY: docs/networks.md, "Every port of a VIP".
 */
final class OriginalDestination {
    private static final int SOL_IP = 0;
    private static final int SO_ORIGINAL_DST = 80;
    private static final int SOCKADDR_IN = 16;

    private OriginalDestination() {}

    /** libc, loaded at the first transparent connection only. */
    private static final class LibC {
        interface Calls extends Library {
            int getsockopt(int fd, int level, int name, byte[] value, IntByReference length) throws LastErrorException;
        }

        static final Calls C = Native.load("c", Calls.class);
    }

    /**
     * The original destination of {@code channel}'s connection; its local address when the
     * connection was not translated; null when the kernel tracks no such connection (errno
     * ENOENT: conntrack off, or the entry is gone).
     *
     * @throws IllegalStateException when the channel is not a native (io_uring or epoll) socket: no descriptor to ask
     */
    static InetSocketAddress of(Channel channel) {
        if (!(channel instanceof UnixChannel unix)) {
            throw new IllegalStateException("the original destination of a connection needs the io_uring or epoll transport"
                    + " (the socket's descriptor); this one is " + channel.getClass().getSimpleName());
        }
        byte[] value = new byte[SOCKADDR_IN];
        IntByReference length = new IntByReference(SOCKADDR_IN);
        try {
            LibC.C.getsockopt(unix.fd().intValue(), SOL_IP, SO_ORIGINAL_DST, value, length);
        } catch (LastErrorException e) {
            return null;
        }
        return parse(value);
    }

    /** A {@code struct sockaddr_in}: family (host order), port and address (network order). */
    static InetSocketAddress parse(byte[] sockaddrIn) {
        int port = (sockaddrIn[2] & 0xff) << 8 | sockaddrIn[3] & 0xff;
        try {
            return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(sockaddrIn, 4, 8)), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }
}
