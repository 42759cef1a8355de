package io.flotilla.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.mesh.MeshBackend;
import io.flotilla.mesh.MeshListener;
import io.flotilla.mesh.MeshRoute;
import io.flotilla.model.Endpoint;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.VirtualAddresses;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshTableBuilderTest {
    private static ServiceSpec service(String name, Map<String, String> labels, PortSpec... ports) {
        return new ServiceSpec(name, "shop", null, 2, ServiceSpec.process(name, 1, List.of("x")).task(), List.of(ports),
                List.of(), labels, null, null, name.endsWith("db") ? "dnsrr" : "vip");
    }

    private static Endpoint endpoint(String task, String service, String address, String port, int hostPort) {
        return new Endpoint(task, service, "shop", task, "n-" + address, address, Map.of(port, hostPort), List.of(),
                Map.of(), null);
    }

    private static final Map<String, List<Endpoint>> ENDPOINTS = Map.of(
            "shop_web", List.of(endpoint("t2", "shop_web", "127.0.0.3", "http", 31002),
                    endpoint("t1", "shop_web", "127.0.0.2", "http", 31001)),
            "shop_api", List.of(endpoint("t3", "shop_api", "127.0.0.4", "api", 31003)),
            "shop_db", List.of(endpoint("t4", "shop_db", "127.0.0.4", "5432", 31004)));

    private static Collection<Endpoint> endpoints(String service) {
        return ENDPOINTS.getOrDefault(service, List.of());
    }

    @Test
    void ingressPortsListenOnTheNodeVirtualAddressesOnTheTargetPort() {
        ServiceSpec web = service("shop_web", Map.of("flotilla.lb", "round_robin"),
                new PortSpec("http", 8080, 80, "tcp", null, "http"));
        ServiceSpec api = service("shop_api", Map.of("flotilla.http.path", "/api", "flotilla.http.host", "shop.example"),
                new PortSpec("api", 9000, 80, "tcp", null, "http"));
        ServiceSpec db = service("shop_db", Map.of("flotilla.proxy_protocol", "true"),
                new PortSpec("5432", 5432, 5432, "tcp", null),
                new PortSpec("metrics", 9100, 9100, "tcp", "host"),
                new PortSpec("dns", 53, 53, "udp", null));

        MeshTableBuilder.Result result = MeshTableBuilder.build("127.0.0.2", List.of(web, api, db),
                MeshTableBuilderTest::endpoints, true);

        assertThat(result.problems()).isEmpty();
        List<MeshListener> listeners = result.table().listeners();
        assertThat(listeners).extracting(l -> l.bindAddress() + ":" + l.port() + " " + l.protocol()).containsExactly(
                "127.0.0.2:80 HTTP", "127.0.0.2:5432 TCP",
                VirtualAddresses.of("shop_api") + ":9000 HTTP", VirtualAddresses.of("shop_web") + ":8080 HTTP");
        MeshListener http = listeners.get(0);
        assertThat(http.routes()).extracting(MeshRoute::service, MeshRoute::host, MeshRoute::pathPrefix, MeshRoute::balancing)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("shop_api", "shop.example", "/api", MeshRoute.Balancing.P2C),
                        org.assertj.core.groups.Tuple.tuple("shop_web", null, "/", MeshRoute.Balancing.ROUND_ROBIN));
        assertThat(http.routes().get(1).backends()).containsExactly(new MeshBackend("t1", "127.0.0.2", 31001),
                new MeshBackend("t2", "127.0.0.3", 31002));
        MeshListener tcp = listeners.get(1);
        assertThat(tcp.proxyProtocol()).isTrue();
        assertThat(tcp.routes().getFirst().backends()).containsExactly(new MeshBackend("t4", "127.0.0.4", 31004));
        MeshListener vip = listeners.get(3);
        assertThat(vip.routes().getFirst().host()).isNull();
        assertThat(vip.routes().getFirst().backends()).hasSize(2);
    }

    @Test
    void withoutVirtualAddressesOnlyIngressPortsListen() {
        ServiceSpec web = service("shop_web", Map.of(), new PortSpec("http", 8080, 80, "tcp", null, "http"));
        assertThat(MeshTableBuilder.build("10.0.0.1", List.of(web), MeshTableBuilderTest::endpoints, false).table().listeners())
                .extracting(MeshListener::port).containsExactly(80);
    }

    @Test
    void aConflictingClaimIsSkippedAndReportedTheRestIsServed() {
        ServiceSpec web = service("shop_web", Map.of(), new PortSpec("http", 8080, 80, "tcp", null, "http"));
        ServiceSpec other = service("shop_xweb", Map.of(), new PortSpec("http", 8080, 80, "tcp", null, "http"));
        ServiceSpec bad = service("shop_api", Map.of("flotilla.lb", "fastest"), new PortSpec("api", 9000, 90, "tcp", null));

        MeshTableBuilder.Result result = MeshTableBuilder.build("10.0.0.1", List.of(other, web, bad),
                MeshTableBuilderTest::endpoints, false);

        assertThat(result.table().listeners()).hasSize(1);
        assertThat(result.table().listeners().getFirst().routes()).extracting(MeshRoute::service).containsExactly("shop_web");
        assertThat(result.problems()).hasSize(2);
        assertThat(result.problems().get(0)).contains("flotilla.lb=fastest");
        assertThat(result.problems().get(1)).contains("shop_web and shop_xweb").contains("shop_xweb is not served on it");
    }

    @Test
    void aServiceWithoutEndpointsStillListensAndAnEndpointWithoutThePortIsNoBackend() {
        ServiceSpec cache = service("shop_cache", Map.of(), new PortSpec("6379", 6379, 6379, "tcp", null));
        MeshTableBuilder.Result result = MeshTableBuilder.build("10.0.0.1", List.of(cache),
                s -> List.of(endpoint("t9", s, "10.0.0.2", "other", 1)), false);
        assertThat(result.table().listeners().getFirst().routes().getFirst().backends()).isEmpty();
    }

    @Test
    void httpsPortsTerminateTlsWithTheServiceCertificateAndStickyCookieOnTcpIsByClientAddress() {
        ServiceSpec shop = service("shop_web", Map.of("flotilla.tls.certificate", "/etc/shop.crt",
                "flotilla.tls.key", "/etc/shop.key", "flotilla.lb", "sticky_cookie"),
                new PortSpec("http", 8080, 443, "tcp", null, "https"));
        ServiceSpec cache = service("shop_cache", Map.of("flotilla.lb", "sticky_cookie"),
                new PortSpec("6379", 6379, 6379, "tcp", null));

        List<MeshListener> listeners = MeshTableBuilder.build("10.0.0.1", List.of(shop, cache),
                MeshTableBuilderTest::endpoints, true).table().listeners();

        MeshListener https = listeners.stream().filter(l -> l.port() == 443).findFirst().orElseThrow();
        assertThat(https.protocol()).isEqualTo(MeshListener.Protocol.HTTP);
        assertThat(https.tls().certificateChainPem()).hasToString("/etc/shop.crt");
        assertThat(https.tls().privateKeyPem()).hasToString("/etc/shop.key");
        assertThat(https.routes().getFirst().balancing()).isEqualTo(MeshRoute.Balancing.STICKY_COOKIE);
        MeshListener vip = listeners.stream().filter(l -> l.bindAddress().equals(VirtualAddresses.of("shop_web")))
                .findFirst().orElseThrow();
        assertThat(vip.port()).isEqualTo(8080);
        assertThat(vip.tls()).isNotNull();
        MeshListener tcp = listeners.stream().filter(l -> l.port() == 6379 && l.bindAddress().equals("10.0.0.1"))
                .findFirst().orElseThrow();
        assertThat(tcp.routes().getFirst().balancing()).isEqualTo(MeshRoute.Balancing.STICKY_CLIENT_IP);
        assertThat(MeshTableBuilder.virtualAddresses(List.of(shop, cache)))
                .containsOnlyKeys("shop_web", "shop_cache");
    }

    @Test
    void theOverlayNetworksVipListenersAreInTheTableTooAndOneOnATakenAddressIsLeftOutWithAProblem() {
        io.flotilla.model.api.NetworkDirectory.NetworkEntry front = new io.flotilla.model.api.NetworkDirectory.NetworkEntry(
                "shop_front", "shop", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.250",
                List.of(new io.flotilla.model.api.NetworkDirectory.ServiceEntry("shop_web", "web", "shop", List.of(),
                        "10.0.1.2", false, List.of(80))),
                List.of(new io.flotilla.model.api.NetworkDirectory.EndpointEntry("10.0.1.10", "t1", "shop_web", 1, "n2",
                        "198.18.77.2", true)));
        io.flotilla.model.api.NetworkDirectory directory = new io.flotilla.model.api.NetworkDirectory(List.of(front));
        ServiceSpec web = service("shop_web", Map.of(), new PortSpec("http", 8080, 4782, "tcp", null));

        MeshTableBuilder.Result result = MeshTableBuilder.build("10.0.1.1", List.of(web), MeshTableBuilderTest::endpoints,
                false, directory);

        assertThat(result.table().listeners()).extracting(l -> l.bindAddress() + ":" + l.port())
                .as("the ingress port on the advertise address keeps it").containsExactly("10.0.1.1:4782");
        assertThat(result.problems()).singleElement().asString()
                .contains("overlay VIP listener 10.0.1.1:4782 (VIPs of shop_web) is taken");

        MeshTableBuilder.Result overlay = MeshTableBuilder.build("198.18.77.1", List.of(web), MeshTableBuilderTest::endpoints,
                false, directory);
        assertThat(overlay.problems()).isEmpty();
        assertThat(overlay.table().listeners()).extracting(l -> l.bindAddress() + ":" + l.port())
                .containsExactly("198.18.77.1:4782", "10.0.1.1:4782");
        assertThat(overlay.table().listeners().get(1).routes().getFirst().backends())
                .containsExactly(new MeshBackend("t1", "10.0.1.10", 0, "10.0.1.250"));
    }
}
