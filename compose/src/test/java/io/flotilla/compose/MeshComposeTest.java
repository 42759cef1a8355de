package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.MeshRouting;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack-file side of the routing mesh: app_protocol, endpoint_mode, routing labels, TLS files, conflicts. */
class MeshComposeTest {
    @TempDir
    Path dir;

    private final ComposeLoader loader = new ComposeLoader(Map.of("HOME", "/home/tester"));

    private LoadedStack load(String yaml) throws IOException, ComposeException {
        Path file = dir.resolve("compose.yaml");
        Files.writeString(file, yaml);
        return loader.load(file, "shop");
    }

    private static ServiceSpec service(LoadedStack loaded, String shortName) {
        return loaded.stack().services().stream().filter(s -> s.shortName().equals(shortName)).findFirst().orElseThrow();
    }

    @Test
    void readsHttpPortsRoutingLabelsEndpointModeAndTlsFromASecret() throws Exception {
        Files.writeString(dir.resolve("shop.crt"), "cert");
        Files.writeString(dir.resolve("shop.key"), "key");
        LoadedStack loaded = load("""
                secrets:
                  shop_cert: {file: ./shop.crt}
                services:
                  web:
                    command: ./web
                    ports:
                      - {target: 8080, published: 8443, app_protocol: https}
                    labels: [flotilla.lb=round_robin]
                    deploy:
                      labels:
                        flotilla.http.host: shop.example
                        flotilla.tls.certificate: shop_cert
                        flotilla.tls.key: ./shop.key
                  api:
                    command: ./api
                    ports:
                      - {target: 9000, published: 8443, app_protocol: https}
                    deploy:
                      labels:
                        flotilla.http.host: shop.example
                        flotilla.http.path: /api
                        flotilla.tls.certificate: shop_cert
                        flotilla.tls.key: shop.key
                  db:
                    command: ./db
                    ports: ["5432:5432"]
                    deploy: {endpoint_mode: dnsrr, labels: {flotilla.proxy_protocol: "true"}}
                """);
        ServiceSpec web = service(loaded, "web");
        assertThat(web.ports()).containsExactly(new PortSpec("8080", 8080, 8443, "tcp", "ingress", "https"));
        assertThat(web.endpointMode()).isEqualTo("vip");
        MeshRouting routing = MeshRouting.of(web);
        assertThat(routing.host()).isEqualTo("shop.example");
        assertThat(routing.balancing()).isEqualTo("round_robin");
        assertThat(routing.tlsCertificate()).isEqualTo(dir.resolve("shop.crt").toAbsolutePath().toString());
        assertThat(routing.tlsKey()).isEqualTo(dir.resolve("shop.key").toAbsolutePath().toString());
        assertThat(MeshRouting.of(service(loaded, "api")).pathPrefix()).isEqualTo("/api");
        ServiceSpec db = service(loaded, "db");
        assertThat(db.endpointMode()).isEqualTo("dnsrr");
        assertThat(MeshRouting.of(db).proxyProtocol()).isTrue();
        assertThat(loaded.warnings()).isEmpty();

        Path normalized = dir.resolve("normalized.yaml");
        Files.writeString(normalized, loaded.normalizedYaml());
        LoadedStack again = loader.load(normalized, "shop");
        assertThat(again.stack().services()).containsExactlyInAnyOrderElementsOf(loaded.stack().services());
    }

    @Test
    void twoServicesOnOnePortWithTheSameRouteAreRefusedNamingBoth() {
        assertThatThrownBy(() -> load("""
                services:
                  web:
                    command: ./web
                    ports: [{target: 8080, published: 80, app_protocol: http}]
                  blog:
                    command: ./blog
                    ports: [{target: 8080, published: 80, app_protocol: http}]
                """)).isInstanceOf(ComposeException.class)
                .hasMessageContaining("published port 80: services shop_blog and shop_web both publish it for the same route");
    }

    @Test
    void tcpServicesCannotSharePorts() {
        assertThatThrownBy(() -> load("""
                services:
                  a: {command: ./a, ports: ["5432:5432"]}
                  b: {command: ./b, ports: ["5432:6000"]}
                """)).isInstanceOf(ComposeException.class).hasMessageContaining("shop_a and shop_b both publish it");
    }

    @Test
    void badValuesAreErrorsWithTheirLine() {
        assertThatThrownBy(() -> load("""
                services:
                  a:
                    command: ./a
                    ports: [{target: 80, published: 80, app_protocol: grpc}]
                """)).isInstanceOf(ComposeException.class).hasMessageContaining("compose.yaml:4:")
                .hasMessageContaining("app_protocol must be http or https");
        assertThatThrownBy(() -> load("""
                services:
                  a:
                    command: ./a
                    deploy: {endpoint_mode: round}
                """)).isInstanceOf(ComposeException.class).hasMessageContaining("must be one of dnsrr, vip");
        assertThatThrownBy(() -> load("""
                services:
                  a:
                    command: ./a
                    deploy: {labels: {flotilla.tls.certificate: ./missing.pem, flotilla.tls.key: ./missing.key}}
                """)).isInstanceOf(ComposeException.class).hasMessageContaining("no readable file");
        assertThatThrownBy(() -> load("""
                services:
                  a:
                    command: ./a
                    ports: [{target: 80, published: 80, app_protocol: http}]
                    deploy: {labels: {flotilla.lb: fastest}}
                """)).isInstanceOf(ComposeException.class).hasMessageContaining("flotilla.lb=fastest is invalid");
    }
}
