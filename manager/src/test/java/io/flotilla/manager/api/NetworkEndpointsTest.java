package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.NetworkInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network endpoints and a deploy's network checks over real HTTP on a real one-peer manager
 * (node n1 said hello, so the control loop assigns the tasks): create, list, inspect and remove,
 * with the refusals (409 name taken or in use, 400 invalid or overlapping) that change nothing.
 */
class NetworkEndpointsTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private Manager manager;
    private HttpTestClient http;

    @BeforeEach
    void startManagerAndNode() throws Exception {
        manager = OneNodeApi.start(managers, dataDir);
        http = new HttpTestClient(manager.apiAddress());
    }

    @AfterEach
    void closeAll() {
        managers.close();
    }

    static NetworkSpec network(String name, String stack, String subnet) {
        return new NetworkSpec(name, stack, false, stack == null, Map.of("team", "a"), subnet, null);
    }

    static ServiceSpec on(ServiceSpec spec, String... networks) {
        return spec.withTask(spec.task().withNetworks(
                java.util.Arrays.stream(networks).map(NetworkAttachment::new).toList(), null));
    }

    private static ApiError error(HttpTestClient.Answer answer, int status) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        return answer.as(ApiError.class);
    }

    private HttpTestClient.Answer deploy(String stack, List<ServiceSpec> services, List<NetworkSpec> networks,
                                         List<String> external) throws Exception {
        return http.post("/v1/stacks/" + stack, new DeployRequest(new StackSpec(stack, services, networks, external)));
    }

    @Test
    void createsListsInspectsAndRefusesNetworks() throws Exception {
        HttpTestClient.Answer created = http.post("/v1/networks", network("public", null, "10.50.0.0/24"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        NetworkInfo info = created.as(NetworkInfo.class);
        assertThat(info.vni()).isEqualTo(4096);
        assertThat(info.gateway()).isEqualTo("10.50.0.1");
        assertThat(info.driver()).isEqualTo("overlay");
        assertThat(info.labels()).containsEntry("team", "a");
        assertThat(http.post("/v1/networks", network("pooled", null, null)).as(NetworkInfo.class).subnet())
                .isEqualTo("10.0.0.0/24");

        assertThat(http.get("/v1/networks").as(NetworkInfo[].class)).extracting(NetworkInfo::name)
                .containsExactly("pooled", "public");
        assertThat(http.get("/v1/networks/public").as(NetworkInfo.class).subnet()).isEqualTo("10.50.0.0/24");
        assertThat(error(http.get("/v1/networks/nope"), 404).message()).isEqualTo("no such network: nope");

        long index = manager.state().index();
        assertThat(error(http.post("/v1/networks", network("public", null, null)), 409).message())
                .isEqualTo("network public already exists");
        assertThat(error(http.post("/v1/networks", network("other", null, "10.50.0.128/25")), 400).message())
                .isEqualTo("network other: subnet 10.50.0.128/25 overlaps network public (10.50.0.0/24)");
        assertThat(error(http.post("/v1/networks", network("-bad", null, null)), 400).message())
                .startsWith("invalid network name -bad");
        assertThat(error(http.post("/v1/networks", network("x_default", "x", null)), 400).message())
                .contains("a stack's networks are made by its deploy");
        assertThat(error(http.post("/v1/networks", new NetworkSpec("gw", null, false, true, Map.of(), "10.60.0.0/24",
                "10.61.0.1")), 400).message()).contains("is not a host address of 10.60.0.0/24");
        assertThat(manager.state().index()).as("refusals propose nothing").isEqualTo(index);

        HttpTestClient.Answer removed = http.delete("/v1/networks/pooled");
        assertThat(removed.status()).as(removed.body()).isEqualTo(204);
        assertThat(error(http.get("/v1/networks/pooled"), 404).message()).isEqualTo("no such network: pooled");
    }

    @Test
    void aStacksTasksGetAddressesAndItsNetworksCannotBeRemovedWhileUsed() throws Exception {
        assertThat(http.post("/v1/networks", network("public", null, "10.50.0.0/24")).status()).isEqualTo(201);
        HttpTestClient.Answer deployed = deploy("shop",
                List.of(on(OneNodeApi.service("web", 2, Map.of()), "shop_default", "public")),
                List.of(network("shop_default", "shop", null)), List.of("public"));
        assertThat(deployed.status()).as(deployed.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/networks/shop_default")
                .as(NetworkInfo.class).tasks().stream().filter(t -> t.nodeId() != null).count() == 2);

        NetworkInfo shop = http.get("/v1/networks/shop_default").as(NetworkInfo.class);
        assertThat(shop.stack()).isEqualTo("shop");
        assertThat(shop.subnet()).isEqualTo("10.0.0.0/24");
        // .2 is the service's virtual address; its two tasks follow
        assertThat(shop.tasks()).extracting(NetworkInfo.TaskEndpoint::address).containsExactly("10.0.0.3", "10.0.0.4");
        assertThat(shop.tasks()).extracting(NetworkInfo.TaskEndpoint::taskName)
                .containsExactlyInAnyOrder("shop_web.1", "shop_web.2");
        assertThat(http.get("/v1/networks/public").as(NetworkInfo.class).tasks()).hasSize(2);
        String tasks = http.get("/v1/services/shop_web/tasks").body();
        io.flotilla.model.Task[] asTasks = io.flotilla.model.Json.read(tasks, io.flotilla.model.Task[].class);
        assertThat(asTasks).as("still reads as tasks").hasSize(2);
        var first = io.flotilla.model.Json.MAPPER.readTree(tasks).get(0);
        assertThat(first.get("id").asText()).isEqualTo(asTasks[0].id());
        assertThat(first.get("addresses").toString()).as("service ps shows the addresses")
                .matches("\\[\\{\"network\":\"shop_default\",\"address\":\"10\\.0\\.0\\.[34]\"},"
                        + "\\{\"network\":\"public\",\"address\":\"10\\.50\\.0\\.[34]\"}]");
        assertThat(io.flotilla.model.Json.MAPPER.readTree(http.get("/v1/tasks").body()).get(0).has("addresses")).isTrue();
        String service = http.get("/v1/services/shop_web").body();
        assertThat(io.flotilla.model.Json.read(service, io.flotilla.model.Service.class).spec().name())
                .as("still reads as a service").isEqualTo("shop_web");
        assertThat(io.flotilla.model.Json.MAPPER.readTree(service).get("virtualAddresses").toString())
                .as("service inspect shows its VIP on each network")
                .isEqualTo("{\"public\":\"10.50.0.2\",\"shop_default\":\"10.0.0.2\"}");

        assertThat(error(http.delete("/v1/networks/public"), 409).message())
                .isEqualTo("network public is in use by service shop_web (remove those services, or their stacks, first)");
        assertThat(error(http.delete("/v1/networks/shop_default"), 409).message())
                .isEqualTo("network shop_default belongs to stack shop: it is removed with the stack (stack rm shop)");

        assertThat(http.delete("/v1/stacks/shop").status()).isEqualTo(200);
        assertThat(http.delete("/v1/networks/public").status()).isEqualTo(204);
    }

    @Test
    void aDeployWithABadNetworkIsRefusedAndChangesNothing() throws Exception {
        assertThat(http.post("/v1/networks", network("public", null, "10.50.0.0/24")).status()).isEqualTo(201);
        ServiceSpec shopApp = OneNodeApi.service("app", 1, Map.of());
        ServiceSpec app = new ServiceSpec("blog_app", "blog", null, 1, shopApp.task(), List.of(), List.of(), Map.of(),
                null, null);
        assertThat(deploy("blog", List.of(on(app, "blog_back")),
                List.of(network("blog_back", "blog", "10.70.0.0/24")), List.of()).status()).isEqualTo(200);
        ServiceSpec web = OneNodeApi.service("web", 1, Map.of());

        assertThat(error(deploy("shop", List.of(on(web, "shop_default")),
                List.of(network("shop_default", "shop", "10.50.0.0/16")), List.of()), 400).message())
                .isEqualTo("network shop_default: subnet 10.50.0.0/16 overlaps network public (10.50.0.0/24)");
        assertThat(error(deploy("shop", List.of(on(web, "shop_a")), List.of(network("shop_a", "shop", "10.80.0.0/24"),
                network("shop_b", "shop", "10.80.0.0/25")), List.of()), 400).message())
                .isEqualTo("network shop_b: subnet 10.80.0.0/25 overlaps network shop_a (10.80.0.0/24)");
        assertThat(error(deploy("shop", List.of(on(web, "missing")), List.of(), List.of("missing")), 400).message())
                .isEqualTo("external network missing does not exist (make it with flotilla network create missing)");
        assertThat(error(deploy("shop", List.of(on(web, "blog_back")), List.of(), List.of()), 400).message())
                .isEqualTo("service shop_web is on network blog_back, which is neither a network of stack shop nor one"
                        + " of its external networks");
        assertThat(error(deploy("shop", List.of(on(web, "blog_back")), List.of(), List.of("blog_back")), 400).message())
                .isEqualTo("network blog_back belongs to stack blog: only a network made with flotilla network create"
                        + " can be external");

        assertThat(manager.state().networks().all()).extracting(n -> n.name()).containsExactly("blog_back", "public");
        assertThat(manager.state().serviceByName("shop_web")).isEmpty();
    }
}
