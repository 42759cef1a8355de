package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Top-level and service {@code networks:} and {@code network_mode}, as docker stack deploy maps them. */
class NetworkComposeTest {
    private static final String FULL = """
            services:
              web:
                image: nginx
                networks:
                  front:
                    aliases: [www, site]
                  back:
              api:
                image: api:1
              proc:
                command: ["./run"]
              worker:
                command: ["./work"]
                networks: [ext]
            networks:
              front:
                internal: true
                attachable: true
                labels: [tier=front, "team=web"]
                ipam:
                  config:
                    - subnet: 10.10.0.0/24
                      gateway: 10.10.0.254
              back:
                name: shared-back
                driver: overlay
                labels: {tier: back}
              ext:
                external: true
                name: outside
              legacy:
                external: {name: old}
            """;

    @TempDir Path directory;

    private Path file(String yaml) throws IOException {
        return Files.writeString(directory.resolve("compose.yaml"), yaml);
    }

    private LoadedStack load(String yaml) throws Exception {
        return new ComposeLoader(Map.of()).load(file(yaml), "app");
    }

    private static ServiceSpec service(LoadedStack loaded, String shortName) {
        return loaded.stack().services().stream().filter(s -> s.shortName().equals(shortName)).findFirst().orElseThrow();
    }

    @Test
    void declaredNetworksBecomeTheStacksNetworksWithFullNames() throws Exception {
        LoadedStack loaded = load(FULL);

        assertThat(loaded.stack().networks()).containsExactly(
                new NetworkSpec("app_default", "app", false, false, Map.of(), null, null),
                new NetworkSpec("app_front", "app", true, true, Map.of("tier", "front", "team", "web"), "10.10.0.0/24",
                        "10.10.0.254"),
                new NetworkSpec("shared-back", "app", false, false, Map.of("tier", "back"), null, null));
        assertThat(loaded.stack().externalNetworks()).containsExactly("outside");
        assertThat(service(loaded, "web").task().networks()).containsExactly(
                new NetworkAttachment("app_front", List.of("www", "site")), new NetworkAttachment("shared-back"));
        assertThat(service(loaded, "worker").task().networks()).containsExactly(new NetworkAttachment("outside"));
        assertThat(loaded.warnings()).containsExactly("networks.legacy is declared but no service uses it: not created");
    }

    @Test
    void aContainerWithoutNetworksJoinsTheDefaultOneAndAProcessKeepsTheHostsNetwork() throws Exception {
        LoadedStack loaded = load(FULL);

        TaskTemplate api = service(loaded, "api").task();
        assertThat(api.networks()).containsExactly(new NetworkAttachment("app_default"));
        assertThat(api.networkMode()).isNull();
        TaskTemplate proc = service(loaded, "proc").task();
        assertThat(proc.networks()).isEmpty();
        assertThat(proc.networkMode()).isNull();
    }

    @Test
    void theDefaultNetworkIsMadeOnlyWhenAServiceUsesIt() throws Exception {
        assertThat(load("services:\n  a:\n    command: [x]\n").stack().networks()).isEmpty();
        LoadedStack onlyListed = load("""
                services:
                  a: {image: x, networks: [n]}
                networks:
                  n:
                """);
        assertThat(onlyListed.stack().networks()).extracting(NetworkSpec::name).containsExactly("app_n");
        assertThat(onlyListed.warnings()).isEmpty();
    }

    @Test
    void aDeclaredDefaultConfiguresTheDefaultNetwork() throws Exception {
        LoadedStack loaded = load("""
                services:
                  a: {image: x}
                  b: {command: [y], networks: [default]}
                networks:
                  default:
                    internal: true
                    ipam: {config: [{subnet: 172.28.0.0/16}]}
                """);
        assertThat(loaded.stack().networks()).containsExactly(
                new NetworkSpec("app_default", "app", true, false, Map.of(), "172.28.0.0/16", null));
        assertThat(service(loaded, "b").task().networkNames()).containsExactly("app_default");
    }

    @Test
    void anExternalDefaultIsUsedByName() throws Exception {
        LoadedStack loaded = load("""
                services:
                  a: {image: x}
                networks:
                  default: {external: true, name: platform}
                """);
        assertThat(loaded.stack().networks()).isEmpty();
        assertThat(loaded.stack().externalNetworks()).containsExactly("platform");
        assertThat(service(loaded, "a").task().networkNames()).containsExactly("platform");
    }

    @Test
    void networkModesHostAndNoneAreKept() throws Exception {
        LoadedStack loaded = load("""
                services:
                  a: {image: x, network_mode: host}
                  b: {image: x, network_mode: none}
                  c: {command: [y], network_mode: host}
                """);
        assertThat(service(loaded, "a").task().networkMode()).isEqualTo("host");
        assertThat(service(loaded, "b").task().networkMode()).isEqualTo("none");
        assertThat(service(loaded, "c").task().networkMode()).isEqualTo("host");
        assertThat(loaded.stack().networks()).isEmpty();
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void bridgeModeIsDockersDefaultBridgeWithAWarning() throws Exception {
        LoadedStack loaded = load("services:\n  a: {image: x, network_mode: bridge}\n");
        TaskTemplate task = service(loaded, "a").task();
        assertThat(task.networks()).isEmpty();
        assertThat(task.networkMode()).isNull();
        assertThat(loaded.stack().networks()).isEmpty();
        assertThat(loaded.warnings()).singleElement().asString()
                .startsWith("services.a.network_mode: bridge is Docker's default bridge");
    }

    @Test
    void unsupportedNetworkOptionsAreNamedInWarnings() throws Exception {
        LoadedStack loaded = load("""
                services:
                  a:
                    image: x
                    networks:
                      n1:
                        ipv4_address: 10.1.0.5
                        ipv6_address: "fd00::5"
                        mac_address: 02:42:ac:11:00:02
                        priority: 10
                        link_local_ips: [169.254.8.8]
                        driver_opts: {foo: bar}
                      n2:
                      n3:
                networks:
                  n1:
                    driver: bridge
                    ipam:
                      driver: custom
                      config:
                        - subnet: "fd00::/64"
                        - subnet: 10.1.0.0/24
                          ip_range: 10.1.0.0/25
                        - subnet: 10.2.0.0/24
                  n2:
                    driver: macvlan
                    enable_ipv6: true
                    driver_opts: {com.docker.network.driver.mtu: 1400}
                  n3:
                """);
        assertThat(loaded.stack().networks()).extracting(NetworkSpec::subnet).containsExactly("10.1.0.0/24", null, null);
        assertThat(loaded.warnings()).containsExactlyInAnyOrder(
                "networks.n1.driver: bridge runs as an overlay across the cluster's nodes (Flotilla's only network"
                        + " driver)",
                "networks.n1.ipam.driver: custom is not supported; the managers allocate addresses",
                "networks.n1.ipam.config[0]: IPv6 subnet fd00::/64 is not supported; ignored",
                "networks.n1.ipam.config[1].ip_range is not supported; ignored",
                "networks.n1.ipam.config[2] is ignored: a Flotilla network has one subnet (10.1.0.0/24)",
                "networks.n2.driver: macvlan is not supported; network n2 runs as an overlay across the cluster's nodes",
                "networks.n2.driver_opts.com.docker.network.driver.mtu is not supported; ignored",
                "networks.n2.enable_ipv6: IPv6 is not supported; network n2 is IPv4 only",
                warning("ipv4_address"), warning("ipv6_address"), warning("mac_address"), warning("priority"),
                warning("link_local_ips"), warning("driver_opts"));
    }

    private static String warning(String option) {
        return "services.a.networks.n1." + option + " is not supported; ignored (the managers allocate each task's"
                + " address)";
    }

    @ParameterizedTest(name = "{3}")
    @CsvSource(delimiter = '|', value = {
        "networks:\\n  n:\\n    driver_opts:\\n      encrypted: 'true'\\n| 8 | networks.n.driver_opts.encrypted"
                + "| Flotilla does not encrypt overlay traffic yet",
        "networks:\\n  n:\\n    ipam: {config: [{subnet: 10.0.0.0/33}]}\\n| 7 | networks.n.ipam.config[0].subnet"
                + "| must be an IPv4 subnet in CIDR notation",
        "networks:\\n  n:\\n    ipam: {config: [{subnet: 10.0.0.1/24}]}\\n| 7 | networks.n.ipam.config[0].subnet"
                + "| has host bits set; did you mean 10.0.0.0/24?",
        "networks:\\n  n:\\n    ipam: {config: [{subnet: 10.0.0.0/30}]}\\n| 7 | networks.n.ipam.config[0].subnet"
                + "| is too small",
        "networks:\\n  n:\\n    ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.1.1}]}\\n| 7"
                + "| networks.n.ipam.config[0].gateway| gateway 10.0.1.1 must be a host address of subnet 10.0.0.0/24",
        "networks:\\n  n:\\n    ipam: {config: [{gateway: 10.0.1.1}]}\\n| 7 | networks.n.ipam.config[0].gateway"
                + "| a gateway needs a subnet",
        "networks:\\n  n:\\n    external: true\\n    driver: overlay\\n| 8 | networks.n.driver"
                + "| network n is external",
        "networks:\\n  n:\\n    enable_ipv4: false\\n| 7 | networks.n.enable_ipv4| enable_ipv4 false is not supported",
        "networks:\\n  n:\\n    name: 'bad name'\\n| 7 | networks.n.name| invalid network name \"bad name\"",
        "networks:\\n  n:\\n  m: {name: app_n}\\n| 7 | networks.m| networks n and m are both named app_n",
    })
    void badNetworkDeclarationsAreRefusedWithFileLineAndKey(String networks, int line, String key, String message)
            throws IOException {
        String services = "services:\n  a:\n    image: x\n    networks: [n" + (networks.contains("  m:") ? ", m" : "")
                + "]\n";
        assertRefused(services + networks.replace("\\n", "\n"), line, key, message);
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
        "image: x\\n    network_mode: host\\n    networks: [n]| 4 | services.a.network_mode"
                + "| network_mode and networks cannot be used together",
        "image: x\\n    network_mode: 'service:db'| 4 | services.a.network_mode"
                + "| network_mode service:db is not supported",
        "image: x\\n    network_mode: 'container:abc'| 4 | services.a.network_mode"
                + "| network_mode container:abc is not supported",
        "image: x\\n    network_mode: overlay| 4 | services.a.network_mode| must be host, none or bridge",
        "command: [x]\\n    network_mode: bridge| 4 | services.a.network_mode| a process task does not have",
        "image: x\\n    networks: [n, nowhere]| 4 | services.a.networks[1]| refers to undefined network nowhere",
        "image: x\\n    networks: {nowhere: {aliases: [b]}}| 4 | services.a.networks.nowhere"
                + "| refers to undefined network nowhere",
    })
    void badServiceNetworksAreRefusedWithFileLineAndKey(String service, int line, String key, String message)
            throws IOException {
        assertRefused("services:\n  a:\n    " + service.replace("\\n", "\n") + "\nnetworks:\n  n:\n", line, key, message);
    }

    private void assertRefused(String yaml, int line, String key, String message) throws IOException {
        Path path = file(yaml);
        ComposeException error = catchThrowableOfType(ComposeException.class,
                () -> new ComposeLoader(Map.of()).load(path, "app"));
        assertThat(error).as(yaml).isNotNull();
        assertThat(error.file()).isEqualTo(path);
        assertThat(error.key()).as(error.getMessage()).isEqualTo(key);
        assertThat(error.line()).as(error.getMessage()).isEqualTo(line);
        assertThat(error.getMessage()).startsWith(path + ":" + line + ":").contains(message);
    }

    @Test
    void stackConfigPrintsTheNetworksAndLoadsBackToTheSameStack() throws Exception {
        String yaml = FULL.replace("  legacy:\n    external: {name: old}\n", "").replace("  proc:\n    command: [\"./run\"]\n", """
                  proc:
                    command: ["./run"]
                  host:
                    image: h
                    network_mode: host
                  bridged:
                    image: b
                    network_mode: bridge
                """);
        LoadedStack first = load(yaml);
        String normalized = first.normalizedYaml();
        assertThat(normalized).contains("name: app_front", "driver: overlay", "internal: true", "attachable: true",
                "subnet: 10.10.0.0/24", "gateway: 10.10.0.254", "name: shared-back", "name: outside", "external: true",
                "- www", "network_mode: host", "network_mode: bridge", "name: app_default");
        Path again = Files.writeString(directory.resolve("again.yaml"), normalized);
        LoadedStack second = new ComposeLoader(Map.of()).load(again, "app");
        assertThat(second.stack()).isEqualTo(first.stack());
        assertThat(second.warnings()).containsExactlyElementsOf(first.warnings());
    }
}
