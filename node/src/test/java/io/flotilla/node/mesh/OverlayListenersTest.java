package io.flotilla.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.mesh.MeshBackend;
import io.flotilla.mesh.MeshListener;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayListenersTest {
    @Test
    void eachVipPortListensOnItsNetworkAndForwardsToReadyTasksFromTheNodesAddress() {
        NetworkEntry front = new NetworkEntry("shop_front", "shop", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.250",
                List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), "10.0.1.2", false, List.of(80, 443)),
                        new ServiceEntry("shop_api", "api", "shop", List.of(), null, false, List.of(8080)),
                        new ServiceEntry("shop_db", "db", "shop", List.of(), "10.0.1.3", false, List.of())),
                List.of(new EndpointEntry("10.0.1.10", "t1", "shop_web", 1, "n1", "198.18.77.1", true),
                        new EndpointEntry("10.0.1.11", "t2", "shop_web", 2, "n2", "198.18.77.2", true),
                        new EndpointEntry("10.0.1.12", "t3", "shop_web", 3, "n2", "198.18.77.2", false)));
        NetworkEntry pending = new NetworkEntry("shop_back", "shop", 4097, "10.0.2.0/24", "10.0.2.1", false, null,
                List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), "10.0.2.2", false, List.of(80))), List.of());

        List<MeshListener> listeners = OverlayListeners.of(new NetworkDirectory(List.of(front, pending)));

        assertThat(listeners).extracting(l -> l.bindAddress() + ":" + l.port()).containsExactly("10.0.1.2:80", "10.0.1.2:443");
        MeshListener http = listeners.getFirst();
        assertThat(http.protocol()).isEqualTo(MeshListener.Protocol.TCP);
        assertThat(http.routes().getFirst().service()).isEqualTo("shop_web");
        assertThat(http.routes().getFirst().backends()).containsExactly(
                new MeshBackend("t1", "10.0.1.10", 80, "10.0.1.250"), new MeshBackend("t2", "10.0.1.11", 80, "10.0.1.250"));
    }
}
