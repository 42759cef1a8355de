package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a transparent listener accepts as a table, and what it needs of the platform (no root needed). */
class MeshTransparentListenerTest {
    static MeshRoute route(String destination, int backendPort) {
        return new MeshRoute("shop_db", destination, null, null, List.of(new MeshBackend("t1", "10.0.1.5", backendPort, "10.0.1.250")));
    }

    static MeshListener transparent(MeshRoute... routes) {
        return new MeshListener("127.0.0.1", 0, MeshListener.Protocol.TRANSPARENT_TCP, null, false, List.of(routes));
    }

    @Test
    void routes_are_keyed_by_their_destination_address_and_backends_take_the_connections_port() {
        assertThat(transparent(route("10.0.1.2", 0), route("10.0.2.2", 0)).routes()).hasSize(2);
        assertThatThrownBy(() -> transparent(route(null, 0))).hasMessageContaining("needs its destination address");
        assertThatThrownBy(() -> transparent(route("db.shop", 0))).hasMessageContaining("needs its destination address");
        assertThatThrownBy(() -> transparent(route("10.0.1.2", 0), route("10.0.1.2", 0))).hasMessageContaining("two routes for destination 10.0.1.2");
        assertThatThrownBy(() -> transparent(route("10.0.1.2", 5432))).hasMessageContaining("must be 0");
    }

    @Test
    void a_backend_without_a_port_belongs_only_to_a_transparent_listener() {
        assertThatThrownBy(() -> new MeshListener("127.0.0.1", 0, MeshListener.Protocol.TCP, null, false, List.of(route(null, 0))))
                .hasMessageContaining("port 0, which only a transparent listener's backends have");
        assertThatThrownBy(() -> new MeshBackend("t1", "10.0.1.5", -1)).hasMessageContaining("port must be");
    }

    @Test
    void on_nio_a_transparent_listener_is_refused_with_the_reason_and_the_others_open() {
        Mesh mesh = new Mesh(MeshOptions.defaults().withIoThreads(1), new SimpleMeterRegistry(), System::nanoTime, Transport.nio(1));
        try (mesh) {
            MeshListener tcp = new MeshListener("127.0.0.2", 0, MeshListener.Protocol.TCP, null, false,
                    List.of(new MeshRoute("shop_web", null, null, null, List.of(new MeshBackend("t1", "127.0.0.1", 9)))));
            assertThatThrownBy(() -> mesh.apply(new MeshTable(List.of(transparent(route("10.0.1.2", 0)), tcp))))
                    .isInstanceOf(MeshBindException.class)
                    .hasMessageContaining("needs the io_uring or epoll transport")
                    .hasMessageContaining("SO_ORIGINAL_DST")
                    .hasMessageContaining("NIO does not expose");
            assertThat(mesh.boundAddresses()).hasSize(1);
        }
    }

    @Test
    void the_original_destination_is_read_from_a_sockaddr_in() {
        byte[] sockaddr = {2, 0, 0x15, 0x38, 10, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(OriginalDestination.parse(sockaddr)).isEqualTo(new InetSocketAddress("10.0.1.2", 5432));
    }
}
