package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flotilla.cli.Main;
import io.flotilla.model.Json;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.NetworkInfo;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flotilla network …} against a small real HTTPS server on loopback speaking the networks part
 * of the API (the manager's side is built elsewhere): what each command asks and what it prints.
 */
class NetworkCommandsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final NetworkInfo FRONT = new NetworkInfo("n0123456789abcdef", "shop_front", "shop", "overlay", "swarm",
            false, false, Map.of("tier", "web"), "10.0.1.0/24", "10.0.1.1", 4097, T0, List.of(
                    new NetworkInfo.TaskEndpoint("t1", "shop_web.1", "shop_web", "node-a", "10.0.1.5"),
                    new NetworkInfo.TaskEndpoint("t2", "shop_web.2", "shop_web", "node-b", "10.0.1.6")));
    private static final NetworkInfo SHARED = new NetworkInfo("nfedcba", "shared", null, "overlay", "swarm", true, true,
            Map.of(), "10.0.2.0/24", "10.0.2.1", 4098, T0, List.of());

    @TempDir static Path data;
    private static HttpsServer server;
    private static String host;
    private static Path tlsDir;
    private static final List<String> requests = new CopyOnWriteArrayList<>();
    private static final List<String> bodies = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() throws IOException {
        TlsDirectory tls = TlsDirectory.of(data);
        Instant now = Instant.now();
        tls.writeAuthority(CertificateAuthority.create("test", now));
        tls.ensureNodeCredential(new CertificateSubject("manager-1", CertificateSubject.MANAGER, List.of("127.0.0.1"),
                List.of()), Duration.ofDays(1), now);
        tls.ensureAdminCredential(Duration.ofDays(1), now);
        tlsDir = tls.path();
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(NodeTls.node(tls).context()));
        server.createContext("/v1/networks", NetworkCommandsTest::handle);
        server.start();
        host = "127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
    }

    @BeforeEach
    void clear() {
        requests.clear();
        bodies.clear();
    }

    /** The contract: GET list/one (404 unknown), POST 201 (409 taken), DELETE 204 (409 in use). */
    private static void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        requests.add(method + " " + path);
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String name = path.startsWith("/v1/networks/") ? path.substring("/v1/networks/".length()) : null;
        switch (method + " " + (name == null ? "list" : name)) {
            case "GET list" -> answer(exchange, 200, List.of(FRONT, SHARED));
            case "GET shop_front" -> answer(exchange, 200, FRONT);
            case "POST list" -> {
                NetworkSpec spec = Json.read(bodies.getLast(), NetworkSpec.class);
                if (spec.name().equals("shared")) {
                    answer(exchange, 409, new ApiError("conflict", "network shared already exists"));
                } else {
                    answer(exchange, 201, new NetworkInfo("nnew", spec.name(), null, "overlay", "swarm", spec.internal(),
                            spec.attachable(), spec.labels(), spec.subnet(), spec.gateway(), 4099, T0, List.of()));
                }
            }
            case "DELETE shared" -> {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            }
            case "DELETE shop_front" -> answer(exchange, 409, new ApiError("conflict",
                    "network shop_front belongs to stack shop: it is removed with the stack"));
            default -> answer(exchange, 404, new ApiError("not_found", "no network " + name));
        }
    }

    private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.writeBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private record Result(int code, String out, String err) {}

    private static synchronized Result run(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        if (!argv.contains("--help")) {
            argv.addAll(List.of("--host", host, "--tls-dir", tlsDir.toString()));
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(argv.toArray(String[]::new));
            return new Result(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void lsShowsDockersColumnsAndTheSubnet() {
        Result result = run("network", "ls");

        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out().lines().map(String::stripTrailing).toList()).containsExactly(
                "NETWORK ID     NAME         DRIVER    SCOPE   SUBNET",
                "n0123456789a   shop_front   overlay   swarm   10.0.1.0/24",
                "nfedcba        shared       overlay   swarm   10.0.2.0/24");
        assertThat(requests).containsExactly("GET /v1/networks");
    }

    @Test
    void lsQuietPrintsIdsAndJsonTheSameFieldsAsObjects() {
        assertThat(run("network", "ls", "-q").out().lines().toList()).containsExactly("n0123456789a", "nfedcba");
        JsonNode json = Json.read(run("network", "ls", "--format", "json").out(), JsonNode.class);
        assertThat(json).hasSize(2);
        assertThat(json.get(0).get("name").asText()).isEqualTo("shop_front");
        assertThat(json.get(0).get("subnet").asText()).isEqualTo("10.0.1.0/24");
        assertThat(json.get(0).get("stack").asText()).isEqualTo("shop");
        assertThat(json.get(0).get("tasks").asInt()).isEqualTo(2);
        assertThat(json.get(1).get("internal").asBoolean()).isTrue();
        assertThat(json.get(1).path("stack").isTextual()).isFalse();
    }

    @Test
    void inspectPrintsDockersShapeWithEveryTaskAndItsAddressAndNamesTheUnknown() {
        Result result = run("network", "inspect", "shop_front", "nope");

        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("Error: no network nope");
        JsonNode json = Json.read(result.out(), JsonNode.class);
        assertThat(json).hasSize(1);
        JsonNode front = json.get(0);
        assertThat(front.get("Name").asText()).isEqualTo("shop_front");
        assertThat(front.get("Driver").asText()).isEqualTo("overlay");
        assertThat(front.at("/IPAM/Config/0/Subnet").asText()).isEqualTo("10.0.1.0/24");
        assertThat(front.at("/IPAM/Config/0/Gateway").asText()).isEqualTo("10.0.1.1");
        assertThat(front.at("/Containers/t1/Name").asText()).isEqualTo("shop_web.1");
        assertThat(front.at("/Containers/t1/IPv4Address").asText()).isEqualTo("10.0.1.5/24");
        assertThat(front.at("/Containers/t2/NodeID").asText()).isEqualTo("node-b");
        assertThat(front.at("/Options/com.docker.network.driver.overlay.vxlanid_list").asText()).isEqualTo("4097");
        assertThat(front.at("/Labels/tier").asText()).isEqualTo("web");
        assertThat(requests).containsExactly("GET /v1/networks/shop_front", "GET /v1/networks/nope");
    }

    @Test
    void createSendsTheSpecWithoutAStackAndPrintsTheId() {
        Result result = run("network", "create", "--subnet", "10.9.0.0/24", "--gateway", "10.9.0.254", "--internal",
                "--attachable", "--label", "team=a", "--label", "bare", "-d", "overlay", "platform");

        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out().strip()).isEqualTo("nnew");
        assertThat(requests).containsExactly("POST /v1/networks");
        assertThat(Json.read(bodies.getFirst(), NetworkSpec.class)).isEqualTo(new NetworkSpec("platform", null, true,
                true, Map.of("team", "a", "bare", ""), "10.9.0.0/24", "10.9.0.254"));
    }

    @Test
    void createSaysWhyTheClusterRefused() {
        Result result = run("network", "create", "shared");
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("Error: network shared already exists");
    }

    @Test
    void createRefusesAnotherDriverOrAGatewayWithoutSubnetBeforeAnyRequest() {
        Result bridge = run("network", "create", "-d", "bridge", "x");
        assertThat(bridge.code()).isEqualTo(1);
        assertThat(bridge.err()).contains("driver bridge is not supported");
        Result gateway = run("network", "create", "--gateway", "10.0.0.1", "x");
        assertThat(gateway.code()).isEqualTo(1);
        assertThat(gateway.err()).contains("--gateway needs --subnet");
        assertThat(requests).isEmpty();
    }

    @Test
    void rmRemovesEachAndNamesWhyOneWasRefused() {
        Result result = run("network", "rm", "shared", "shop_front");

        assertThat(result.code()).isEqualTo(1);
        assertThat(result.out().lines().toList()).containsExactly("shared");
        assertThat(result.err()).contains("Error: network shop_front belongs to stack shop");
        assertThat(requests).containsExactly("DELETE /v1/networks/shared", "DELETE /v1/networks/shop_front");
    }

    @Test
    void helpNamesTheSubcommandsAndOptions() {
        assertThat(run("network", "--help").out()).contains("Usage: flotilla network").contains("ls")
                .contains("inspect").contains("create").contains("rm");
        assertThat(run("network", "create", "--help").out()).contains("--subnet=CIDR").contains("--gateway=IP")
                .contains("--internal").contains("--attachable").contains("--label=KEY=VALUE").contains("-d, --driver");
    }
}
