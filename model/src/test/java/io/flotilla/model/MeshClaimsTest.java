package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class MeshClaimsTest {
    static ServiceSpec service(String name, Map<String, String> labels, PortSpec... ports) {
        return ServiceSpec.process(name, 1, List.of("true")).withPorts(List.of(ports)).withLabels(labels);
    }

    static PortSpec http(int published) {
        return new PortSpec("http", 8080, published, "tcp", null, "http");
    }

    static PortSpec tcp(int published) {
        return new PortSpec("db", 5432, published, "tcp", null);
    }

    record Row(String description, List<ServiceSpec> services, String error) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row("one TCP service", List.of(service("a_db", Map.of(), tcp(5432))), null),
                new Row("two TCP services on one port", List.of(service("a_db", Map.of(), tcp(5432)),
                        service("b_db", Map.of(), tcp(5432))), "services a_db and b_db both publish it; only HTTP"),
                new Row("HTTP and TCP on one port", List.of(service("a_web", Map.of(), http(80)),
                        service("b_db", Map.of(), new PortSpec("x", 1, 80, "tcp", null))), "a_web and b_db both publish it"),
                new Row("two TCP services, the second first by name", List.of(service("b_db", Map.of(), tcp(5432)),
                        service("a_db", Map.of(), tcp(5432))), "services a_db and b_db both publish it; only HTTP"),
                new Row("two HTTP catch-alls", List.of(service("a_web", Map.of(), http(80)),
                        service("b_web", Map.of(), http(80))), "for the same route (host * path /)"),
                new Row("HTTP by host", List.of(service("a_web", Map.of("flotilla.http.host", "a.example"), http(80)),
                        service("b_web", Map.of("flotilla.http.host", "b.example"), http(80))), null),
                new Row("HTTP by path, and a catch-all", List.of(service("a_api", Map.of("flotilla.http.path", "/api"), http(80)),
                        service("a_web", Map.of(), http(80))), null),
                new Row("same host and path", List.of(service("a_api", Map.of("flotilla.http.host", "x", "flotilla.http.path", "/api"), http(80)),
                        service("b_api", Map.of("flotilla.http.host", "x", "flotilla.http.path", "/api"), http(80))),
                        "services a_api and b_api both publish it for the same route (host x path /api)"),
                new Row("ingress and host mode", List.of(service("a_web", Map.of(), http(80)),
                        service("b_web", Map.of(), new PortSpec("h", 80, 80, "tcp", "host"))),
                        "a_web publishes it in ingress mode (on every node), b_web in host mode"),
                new Row("UDP is not the mesh's", List.of(service("a_dns", Map.of(), new PortSpec("d", 53, 53, "udp", null)),
                        service("b_dns", Map.of(), new PortSpec("d", 53, 53, "udp", null))), null),
                new Row("https without certificate", List.of(service("a_web", Map.of(),
                        new PortSpec("https", 8443, 443, "tcp", null, "https"))), "needs the labels flotilla.tls.certificate"),
                new Row("bad balancing", List.of(service("a_web", Map.of("flotilla.lb", "random"), http(80))),
                        "label flotilla.lb=random is invalid"),
                new Row("bad path", List.of(service("a_web", Map.of("flotilla.http.path", "api"), http(80))),
                        "label flotilla.http.path=api is invalid"));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void claims(Row row) {
        if (row.error() == null) {
            assertThat(MeshClaims.check(row.services())).isNotNull();
        } else {
            assertThatThrownBy(() -> MeshClaims.check(row.services()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(row.error());
        }
    }

    @Test
    void routingReadsDeployLabelsOverContainerLabels() {
        ServiceSpec spec = service("a_web", Map.of("flotilla.lb", "sticky-cookie"), http(80));
        spec = spec.withTask(new TaskTemplate("process", null, List.of("x"), List.of(), Map.of(), null, null, null,
                Map.of("flotilla.lb", "round_robin", "flotilla.http.host", "Shop.Example"), null, List.of(), null, null,
                null, null, null, false, false, List.of(), List.of(), List.of(), Map.of(), null, List.of()));
        MeshRouting routing = MeshRouting.of(spec);
        assertThat(routing.balancing()).isEqualTo("sticky_cookie");
        assertThat(routing.host()).isEqualTo("shop.example");
        assertThat(routing.pathPrefix()).isNull();
    }

    @Test
    void virtualAddressesAreStableLoopbackAndSpread() {
        assertThat(VirtualAddresses.of("shop_backend")).isEqualTo(VirtualAddresses.of("shop_backend"));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String address = VirtualAddresses.of("stack_service" + i);
            assertThat(VirtualAddresses.contains(address)).as(address).isTrue();
            assertThat(address).doesNotEndWith(".0").doesNotEndWith(".255");
            seen.add(address);
        }
        assertThat(seen.size()).isGreaterThan(1990);
        assertThat(VirtualAddresses.contains("127.0.0.1")).isFalse();
    }

    @Test
    void endpointModeDefaultsToVipAndSurvivesJson() {
        ServiceSpec spec = service("a_web", Map.of(), http(80));
        assertThat(spec.endpointMode()).isEqualTo("vip");
        ServiceSpec dnsrr = new ServiceSpec("a_x", "a", null, 1, spec.task(), spec.ports(), List.of(), Map.of(), null,
                null, "dnsrr");
        assertThat(Json.read(Json.write(dnsrr), ServiceSpec.class)).isEqualTo(dnsrr);
        assertThat(Json.read(Json.write(spec), ServiceSpec.class).ports().get(0).appProtocol()).isEqualTo("http");
        assertThatThrownBy(() -> new ServiceSpec("a_x", "a", null, 1, spec.task(), List.of(), List.of(), Map.of(), null,
                null, "round")).hasMessageContaining("vip or dnsrr");
    }
}
