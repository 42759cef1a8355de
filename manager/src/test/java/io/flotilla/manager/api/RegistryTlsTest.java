package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Registration;
import io.flotilla.model.api.EndpointSet;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.model.api.RegistrationResult;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security issue 17 over real HTTPS: a registration belongs to the certificate that made it, ids
 * are the server's, stack services' names are not registrable, a worker registers only its node's
 * address, ttls are capped, and the mesh's service list wants a certificate.
 */
class RegistryTlsTest {
    @TempDir Path tmp;
    private TlsApiFixture api;
    private SSLContext w1;
    private SSLContext w2;
    private SSLContext admin;

    @BeforeEach
    void start() throws Exception {
        api = new TlsApiFixture(tmp);
        api.manager.submit(new Command.UpsertNode(node("w1", "127.0.0.1"))).get();
        api.manager.submit(new Command.UpsertNode(node("w2", "127.0.0.2"))).get();
        w1 = api.credential("w1", "worker");
        w2 = api.credential("w2", "worker");
        admin = api.credential("admin", "admin");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private static Node node(String id, String address) {
        Node node = TestManagers.node(id);
        NodeStatus status = node.status();
        return new Node(id, node.spec(), new NodeStatus(status.state(), status.hostname(), address, status.resources(),
                status.drivers(), status.since(), status.message()));
    }

    private static RegistrationRequest request(String id, String stack, String name, String address, Duration ttl) {
        return new RegistrationRequest(id, name, stack, address, Map.of("http", 8080), List.of(), Map.of(), ttl);
    }

    private HttpResponse<String> register(SSLContext caller, RegistrationRequest request) throws Exception {
        return api.call(caller, "POST", "/v1/registry", request);
    }

    private RegistrationResult registered(SSLContext caller, String name, String address) throws Exception {
        HttpResponse<String> answer = register(caller, request(null, "ext", name, address, Duration.ofMinutes(1)));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return Json.read(answer.body(), RegistrationResult.class);
    }

    @Test
    void onlyTheOwnerRenewsAndOnlyTheOwnerAdminOrAManagerDeregisters() throws Exception {
        RegistrationResult mine = registered(w1, "pay", "127.0.0.1");
        Registration stored = api.manager.state().registrations().get(mine.id()).orElseThrow();
        assertThat(stored.owner()).isEqualTo("worker:w1");

        HttpResponse<String> renew = api.call(w2, "PUT", "/v1/registry/" + mine.id() + "/renew", null);
        assertThat(renew.statusCode()).as(renew.body()).isEqualTo(403);
        assertThat(renew.body()).contains("only its owner (worker:w1)");
        assertThat(api.call(admin, "PUT", "/v1/registry/" + mine.id() + "/renew", null).statusCode())
                .as("admin removes, but does not keep alive, another's entry").isEqualTo(403);
        HttpResponse<String> delete = api.call(w2, "DELETE", "/v1/registry/" + mine.id(), null);
        assertThat(delete.statusCode()).as(delete.body()).isEqualTo(403);
        assertThat(api.manager.state().registrations().get(mine.id())).as("nothing changed").contains(stored);

        assertThat(api.call(w1, "PUT", "/v1/registry/" + mine.id() + "/renew", null).statusCode()).isEqualTo(200);
        assertThat(api.call(w1, "DELETE", "/v1/registry/" + mine.id(), null).statusCode()).isEqualTo(200);
        RegistrationResult again = registered(w1, "pay", "127.0.0.1");
        assertThat(api.call(admin, "DELETE", "/v1/registry/" + again.id(), null).statusCode()).isEqualTo(200);
        RegistrationResult third = registered(w1, "pay", "127.0.0.1");
        SSLContext manager = api.credential("m2", "manager");
        assertThat(api.call(manager, "DELETE", "/v1/registry/" + third.id(), null).statusCode()).isEqualTo(200);
        assertThat(api.manager.state().registrations().all()).isEmpty();
    }

    @Test
    void idsAreTheServers() throws Exception {
        RegistrationResult first = registered(w1, "pay", "127.0.0.1");
        assertThat(first.id()).startsWith("reg-");
        HttpResponse<String> named = register(w2, request(first.id(), "ext", "pay", "127.0.0.2", Duration.ofMinutes(1)));
        assertThat(named.statusCode()).isEqualTo(400);
        assertThat(named.body()).contains("id is the server's");
        assertThat(api.manager.state().registrations().get(first.id()).orElseThrow().address()).isEqualTo("127.0.0.1");
    }

    @Test
    void aStacksServicesAndNamespaceAreNotRegistrable() throws Exception {
        api.manager.submit(new Command.DeployStack("shop", List.of(TestManagers.service("shop", "web", 1)),
                Map.of("shop_web", "s1"), Instant.now())).get();
        for (RegistrationRequest probe : List.of(
                request(null, "shop", "web", "169.254.169.254", Duration.ofMinutes(1)),
                request(null, null, "shop_web", "169.254.169.254", Duration.ofMinutes(1)),
                request(null, "shop", "cache", "169.254.169.254", Duration.ofMinutes(1)))) {
            HttpResponse<String> answer = register(admin, probe);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(409);
            assertThat(answer.body()).contains("shop");
        }
        assertThat(api.manager.state().registrations().all()).isEmpty();
        EndpointSet web = Json.read(api.call(api.anonymous(), "GET", "/v1/discovery/services/shop_web", null).body(),
                EndpointSet.class);
        assertThat(web.endpoints()).extracting(e -> e.address()).doesNotContain("169.254.169.254");
        assertThat(registered(admin, "web", "10.9.9.9").service()).as("another stack's namespace is free").isEqualTo("ext_web");
    }

    @Test
    void aWorkerRegistersOnlyItsNodesAddress() throws Exception {
        HttpResponse<String> metadata = register(w1, request(null, "ext", "pay", "169.254.169.254", Duration.ofMinutes(1)));
        assertThat(metadata.statusCode()).as(metadata.body()).isEqualTo(403);
        assertThat(metadata.body()).contains("only its node's address (127.0.0.1)");
        assertThat(register(w1, request(null, "ext", "pay", "127.0.0.2", Duration.ofMinutes(1))).statusCode())
                .as("another node's address").isEqualTo(403);
        SSLContext stranger = api.credential("w9", "worker"); // a certificate whose node is not in the state
        assertThat(register(stranger, request(null, "ext", "pay", "127.0.0.9", Duration.ofMinutes(1))).statusCode())
                .isEqualTo(403);
        assertThat(api.manager.state().registrations().all()).isEmpty();
        assertThat(registered(w2, "pay", "127.0.0.2").service()).isEqualTo("ext_pay");
        assertThat(registered(admin, "legacy", "10.9.9.9").service()).as("admin registers any address").isEqualTo("ext_legacy");
    }

    @Test
    void aTtlAboveFiveMinutesIsRefused() throws Exception {
        HttpResponse<String> answer = register(w1, request(null, "ext", "pay", "127.0.0.1", Duration.ofHours(24)));
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("at most PT5M");
        assertThat(api.manager.state().registrations().all()).isEmpty();
        assertThat(register(w1, request(null, "ext", "pay", "127.0.0.1", Duration.ofMinutes(5))).statusCode()).isEqualTo(200);
    }

    @Test
    void theMeshsServiceListWantsACertificateAndTheRestOfDiscoveryDoesNot() throws Exception {
        assertThat(api.call(api.anonymous(), "GET", "/v1/discovery/mesh", null).statusCode()).isEqualTo(401);
        assertThat(api.call(w1, "GET", "/v1/discovery/mesh", null).statusCode()).isEqualTo(200);
        assertThat(api.call(api.anonymous(), "GET", "/v1/discovery/services", null).statusCode()).isEqualTo(200);
    }
}
