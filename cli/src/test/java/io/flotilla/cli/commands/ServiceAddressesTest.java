package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flotilla.cli.Main;
import io.flotilla.model.Json;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.ServiceWithAddresses;
import io.flotilla.model.api.TaskWithAddresses;
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
 * {@code service ps}, {@code stack ps} and {@code service inspect} against a small real HTTPS server
 * on loopback speaking the API's contract for tasks and services: each task's addresses beside its
 * fields, each service's VIPs beside its own (the manager's side is tested in the manager).
 */
class ServiceAddressesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final TaskWithAddresses WEB_1 = new TaskWithAddresses(task("t1aaaaaaaaaaaaaa", "shop_web", 1),
            List.of(new TaskAddress("shop_front", "10.0.0.5"), new TaskAddress("shop_back", "10.0.1.4")));
    private static final TaskWithAddresses WEB_2 = new TaskWithAddresses(task("t2bbbbbbbbbbbbbb", "shop_web", 2),
            List.of(new TaskAddress("shop_front", "10.0.0.6")));
    private static final TaskWithAddresses PLAIN_1 = new TaskWithAddresses(task("t3cccccccccccccc", "plain", 1), List.of());
    private static final ServiceWithAddresses WEB = new ServiceWithAddresses(service("svc-web", "shop_web"),
            Map.of("shop_front", "10.0.0.2", "shop_back", "10.0.1.2"));
    private static final ServiceWithAddresses PLAIN = new ServiceWithAddresses(service("svc-plain", "plain"), Map.of());

    @TempDir static Path data;
    private static HttpsServer server;
    private static String host;
    private static Path tlsDir;
    private static final List<String> requests = new CopyOnWriteArrayList<>();

    private static Task task(String id, String service, int slot) {
        return new Task(id, "svc-" + service, service, slot, 1, "node-a", TaskState.RUNNING,
                TaskStatus.of(TaskState.RUNNING, T0, "started"), TaskTemplate.process(List.of("/bin/web")), T0, null, 0,
                TaskAllocation.NONE);
    }

    private static Service service(String id, String name) {
        return new Service(id, 1, ServiceSpec.process(name, 2, List.of("/bin/web")), null, T0, T0, null, null);
    }

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
        server.createContext("/v1/", ServiceAddressesTest::handle);
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
    }

    /** The contract: tasks with {@code addresses}, services with {@code virtualAddresses}, both flat and left out when empty. */
    private static void handle(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getQuery();
        String request = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
                + (query == null ? "" : "?" + query);
        requests.add(request);
        switch (request) {
            case "GET /v1/nodes", "GET /v1/stacks" -> answer(exchange, 200, List.of());
            case "GET /v1/services/shop_web" -> answer(exchange, 200, WEB);
            case "GET /v1/services/plain" -> answer(exchange, 200, PLAIN);
            case "GET /v1/services/shop_web/tasks" -> answer(exchange, 200, List.of(WEB_2, WEB_1));
            case "GET /v1/services/plain/tasks" -> answer(exchange, 200, List.of(PLAIN_1));
            case "GET /v1/tasks?stack=shop" -> answer(exchange, 200, List.of(WEB_1, WEB_2));
            default -> answer(exchange, 404, new ApiError("not_found", "nothing at " + request));
        }
    }

    private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.writeBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private record Result(int code, String out, String err) {
        List<String> lines() {
            return out.lines().map(String::stripTrailing).toList();
        }
    }

    private static synchronized Result run(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--host", host, "--tls-dir", tlsDir.toString()));
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
    void psShowsEachTasksAddressesWithTheirNetworksInALastColumn() {
        Result result = run("service", "ps", "shop_web");

        assertThat(result.code()).as(result.err()).isZero();
        List<String> lines = result.lines();
        assertThat(lines).hasSize(3);
        assertThat(lines.getFirst()).startsWith("ID ").endsWith("PORTS   ADDRESSES");
        assertThat(lines.get(1)).startsWith("t1aaaaaaaaaa   shop_web.1 ").endsWith("10.0.0.5 (shop_front), 10.0.1.4 (shop_back)");
        assertThat(lines.get(2)).startsWith("t2bbbbbbbbbb   shop_web.2 ").endsWith("10.0.0.6 (shop_front)");
        // the ADDRESSES cells line up under their header
        int column = lines.getFirst().indexOf("ADDRESSES");
        assertThat(lines.get(1).indexOf("10.0.0.5")).isEqualTo(column);
        assertThat(lines.get(2).indexOf("10.0.0.6")).isEqualTo(column);
    }

    @Test
    void psWithoutAnyAddressKeepsDockersColumns() {
        Result result = run("service", "ps", "plain");

        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.lines().getFirst().split(" {3,}")).containsExactly("ID", "NAME", "IMAGE", "NODE",
                "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS");
        assertThat(result.lines()).hasSize(2);
    }

    @Test
    void psJsonCarriesEachTasksAddressesAndAnEmptyListWithoutThem() {
        JsonNode web = Json.read(run("service", "ps", "shop_web", "--format", "json").out(), JsonNode.class);
        assertThat(web).hasSize(2);
        assertThat(web.get(0).get("id").asText()).isEqualTo("t1aaaaaaaaaaaaaa");
        assertThat(web.get(0).at("/addresses/0/network").asText()).isEqualTo("shop_front");
        assertThat(web.get(0).at("/addresses/0/address").asText()).isEqualTo("10.0.0.5");
        assertThat(web.get(0).at("/addresses/1/address").asText()).isEqualTo("10.0.1.4");
        assertThat(web.get(1).get("addresses")).hasSize(1);

        JsonNode plain = Json.read(run("service", "ps", "plain", "--format", "json").out(), JsonNode.class);
        assertThat(plain.get(0).get("addresses").isArray()).isTrue();
        assertThat(plain.get(0).get("addresses")).isEmpty();
    }

    @Test
    void stackPsShowsTheAddressesToo() {
        Result result = run("stack", "ps", "shop");

        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.lines().getFirst()).endsWith("ADDRESSES");
        assertThat(result.lines().get(1)).endsWith("10.0.0.5 (shop_front), 10.0.1.4 (shop_back)");
        assertThat(requests).contains("GET /v1/tasks?stack=shop");
    }

    @Test
    void inspectShowsTheVipOnEachNetworkBesideTheServicesFields() {
        Result result = run("service", "inspect", "shop_web", "plain");

        assertThat(result.code()).as(result.err()).isZero();
        JsonNode json = Json.read(result.out(), JsonNode.class);
        assertThat(json).hasSize(2);
        assertThat(json.get(0).get("id").asText()).isEqualTo("svc-web");
        assertThat(json.get(0).at("/spec/name").asText()).isEqualTo("shop_web");
        assertThat(json.get(0).at("/virtualAddresses/shop_front").asText()).isEqualTo("10.0.0.2");
        assertThat(json.get(0).at("/virtualAddresses/shop_back").asText()).isEqualTo("10.0.1.2");
        assertThat(json.get(1).at("/spec/name").asText()).isEqualTo("plain");
        assertThat(json.get(1).has("virtualAddresses")).isFalse();
        assertThat(requests).containsExactly("GET /v1/services/shop_web", "GET /v1/services/plain");
    }
}
