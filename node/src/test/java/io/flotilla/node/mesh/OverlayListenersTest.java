package io.flotilla.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.mesh.MeshBackend;
import io.flotilla.mesh.MeshListener;
import io.flotilla.mesh.MeshRoute;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayListenersTest {
    static final NetworkEntry FRONT = new NetworkEntry("shop_front", "shop", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.250",
            List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), "10.0.1.2", false, List.of(80, 443)),
                    new ServiceEntry("shop_api", "api", "shop", List.of(), null, false, List.of(8080)), // dnsrr
                    new ServiceEntry("shop_db", "db", "shop", List.of(), "10.0.1.3", false, List.of())), // no ports
            List.of(new EndpointEntry("10.0.1.10", "t1", "shop_web", 1, "n1", "198.18.77.1", true),
                    new EndpointEntry("10.0.1.11", "t2", "shop_web", 2, "n2", "198.18.77.2", true),
                    new EndpointEntry("10.0.1.12", "t3", "shop_web", 3, "n2", "198.18.77.2", false),
                    new EndpointEntry("10.0.1.13", "t4", "shop_db", 1, "n2", "198.18.77.2", true)));

    @Test
    void eachNetworkHasOneTransparentListenerOnItsGatewayRoutingEachVipToItsReadyTasksFromTheNodesAddress() {
        NetworkEntry pending = new NetworkEntry("shop_back", "shop", 4097, "10.0.2.0/24", "10.0.2.1", false, null,
                List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), "10.0.2.2", false, List.of(80))), List.of());

        List<MeshListener> listeners = OverlayListeners.of(new NetworkDirectory(List.of(FRONT, pending)));

        assertThat(listeners).hasSize(1); // none yet where the node has no address of its own
        MeshListener front = listeners.getFirst();
        assertThat(front.bindAddress() + ":" + front.port()).isEqualTo("10.0.1.1:4782");
        assertThat(front.protocol()).isEqualTo(MeshListener.Protocol.TRANSPARENT_TCP);
        assertThat(front.routes()).extracting(MeshRoute::service, MeshRoute::host)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("shop_web", "10.0.1.2"),
                        org.assertj.core.groups.Tuple.tuple("shop_db", "10.0.1.3"));
        assertThat(front.routes().get(0).backends()).containsExactly(
                new MeshBackend("t1", "10.0.1.10", 0, "10.0.1.250"), new MeshBackend("t2", "10.0.1.11", 0, "10.0.1.250"));
        // a service that declares no port is served all the same, at whatever port a client uses
        assertThat(front.routes().get(1).backends()).containsExactly(new MeshBackend("t4", "10.0.1.13", 0, "10.0.1.250"));
    }

    @Test
    void aVipListedTwiceKeepsItsFirstServiceAndANetworkWithoutVipsHasNoListener() {
        NetworkEntry twice = new NetworkEntry("shop_front", "shop", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.250",
                List.of(new ServiceEntry("shop_a", "a", "shop", List.of(), "10.0.1.2", false, List.of()),
                        new ServiceEntry("shop_b", "b", "shop", List.of(), "10.0.1.2", false, List.of())), List.of());
        assertThat(OverlayListeners.of(new NetworkDirectory(List.of(twice))).getFirst().routes())
                .extracting(MeshRoute::service).containsExactly("shop_a");
        NetworkEntry none = new NetworkEntry("shop_back", "shop", 4097, "10.0.2.0/24", "10.0.2.1", false, "10.0.2.250",
                List.of(new ServiceEntry("shop_api", "api", "shop", List.of(), null, false, List.of(8080))), List.of());
        assertThat(OverlayListeners.of(new NetworkDirectory(List.of(none)))).isEmpty();
    }

    @Test
    void theTableHasTheOverlayListenersBesideTheIngressOnes() {
        MeshTableBuilder.Result result = MeshTableBuilder.build("198.18.77.1", List.of(), name -> List.of(), false,
                new NetworkDirectory(List.of(FRONT)));
        assertThat(result.table().listeners()).extracting(l -> l.bindAddress() + ":" + l.port()).containsExactly("10.0.1.1:4782");
        assertThat(result.problems()).isEmpty();
    }
}
