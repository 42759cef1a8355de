package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;

/**
 * Which transport the mesh takes: io_uring where the kernel allows it, else epoll, else NIO; one asked
 * for by name is that one or an error. This machine (and CI) has both native transports: the test
 * says so when it does not, rather than passing on a fallback.
 */
class TransportTest {
    private static Transport shutDown(Transport transport) {
        transport.group().shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        return transport;
    }

    @Test
    void theBestTransportAvailableIsIoUringThenEpoll() {
        assertThat(IoUring.isAvailable()).as("io_uring here: %s", IoUring.unavailabilityCause()).isTrue();
        assertThat(Epoll.isAvailable()).as("epoll here: %s", Epoll.unavailabilityCause()).isTrue();
        Transport auto = shutDown(Transport.create(1, "auto"));
        assertThat(auto.name()).isEqualTo("io_uring");
        assertThat(auto.socketChannel().getSimpleName()).isEqualTo("IoUringSocketChannel");
        assertThat(auto.isNative()).isTrue();
    }

    @Test
    void aTransportAskedForByNameIsThatOne() {
        assertThat(shutDown(Transport.create(1, "epoll")).name()).isEqualTo("epoll");
        Transport nio = shutDown(Transport.create(1, "nio"));
        assertThat(nio.name()).isEqualTo("nio");
        assertThat(nio.isNative()).isFalse();
        assertThatThrownBy(() -> Transport.create(1, "kqueue")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flotilla.mesh.transport is io_uring, epoll or nio, not 'kqueue'");
    }
}
