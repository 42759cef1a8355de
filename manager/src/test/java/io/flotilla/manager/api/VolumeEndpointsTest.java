package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Volume;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.VolumeInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume endpoints over real HTTP on a real one-peer manager: a node says hello, the control
 * loop assigns the stack's tasks to it, and that records the volumes the endpoints show and forget.
 */
class VolumeEndpointsTest {
    static final VolumeOptions GLUSTER = new VolumeOptions(VolumeOptions.GLUSTERFS, Map.of("volume", "gv0"),
            Map.of("tier", "gold"), false);
    static final VolumeOptions EXTERNAL = new VolumeOptions(VolumeOptions.LOCAL, Map.of(), Map.of(), true);

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

    /** shop_db: stateful, 2 slots with a local volume each; shop_web: a glusterfs and an external volume. */
    private void deployShop() throws Exception {
        StackSpec shop = new StackSpec("shop", List.of(
                OneNodeApi.service("db", 2, Map.of(ServiceSpec.STATEFUL_LABEL, "true"),
                        new VolumeMount("volume", "shop_data", "/data", false)),
                OneNodeApi.service("web", 1, Map.of(), new VolumeMount("volume", "shop_shared", "/shared", false, GLUSTER),
                        new VolumeMount("volume", "legacy", "/legacy", true, EXTERNAL))));
        HttpTestClient.Answer answer = http.post("/v1/stacks/shop", new DeployRequest(shop));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.state().volumes().size() == 4);
    }

    private static ApiError error(HttpTestClient.Answer answer, int status) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        return answer.as(ApiError.class);
    }

    @Test
    void listsAndInspectsVolumesWithTheirUsers() throws Exception {
        deployShop();

        VolumeInfo[] all = http.get("/v1/volumes").as(VolumeInfo[].class);

        assertThat(all).extracting(VolumeInfo::name).containsExactly("legacy", "shop_data-1", "shop_data-2", "shop_shared");
        VolumeInfo data1 = http.get("/v1/volumes/shop_data-1").as(VolumeInfo.class);
        assertThat(data1.driver()).isEqualTo("local");
        assertThat(data1.scope()).isEqualTo("local");
        assertThat(data1.nodeId()).isEqualTo("n1");
        assertThat(data1.nodeName()).isEqualTo("host-n1");
        assertThat(data1.stack()).isEqualTo("shop");
        assertThat(data1.slot()).isEqualTo(1);
        assertThat(data1.usedBy()).containsExactly("shop_db");
        assertThat(data1.tasks()).singleElement().satisfies(t -> {
            assertThat(t.slot()).isEqualTo(1);
            assertThat(t.nodeId()).isEqualTo("n1");
            assertThat(manager.state().task(t.id())).isPresent();
        });
        VolumeInfo shared = http.get("/v1/volumes/shop_shared").as(VolumeInfo.class);
        assertThat(shared.scope()).isEqualTo("global");
        assertThat(shared.nodeId()).isNull();
        assertThat(shared.driverOpts()).isEqualTo(Map.of("volume", "gv0"));
        assertThat(shared.labels()).isEqualTo(Map.of("tier", "gold"));
        assertThat(http.get("/v1/volumes/legacy").as(VolumeInfo.class).external()).isTrue();

        ApiError unknown = error(http.get("/v1/volumes/nope"), 404);
        assertThat(unknown.code()).isEqualTo("not_found");
        assertThat(unknown.message()).isEqualTo("no such volume: nope");
        assertThat(error(http.post("/v1/volumes/legacy", Map.of()), 405).code()).isEqualTo("invalid");
    }

    @Test
    void refusesToRemoveAVolumeInUseThenRemovesItOnceItsStackIsGone() throws Exception {
        deployShop();
        long index = manager.state().index();

        ApiError inUse = error(http.delete("/v1/volumes/shop_data-2"), 409);

        assertThat(inUse.code()).isEqualTo("conflict");
        assertThat(inUse.message()).contains("volume shop_data-2 is in use by service shop_db");
        assertThat(manager.state().volume("shop_data-2")).isPresent();
        assertThat(error(http.delete("/v1/volumes/nope"), 404).message()).isEqualTo("no such volume: nope");

        assertThat(http.delete("/v1/stacks/shop").status()).isEqualTo(200);
        assertThat(manager.state().volumes()).as("stack rm without volumes keeps them").hasSize(4);
        assertThat(manager.state().index()).isGreaterThan(index);

        HttpTestClient.Answer removed = http.delete("/v1/volumes/shop_data-2");
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.as(ChangeResult.class).message()).isEqualTo("volume shop_data-2 removed");
        assertThat(manager.state().volume("shop_data-2")).isEmpty();
        assertThat(manager.state().volume("shop_data-1")).isPresent();
    }

    @Test
    void stackRmWithVolumesForgetsTheStacksOwnVolumesButNotExternalOnes() throws Exception {
        deployShop();

        HttpTestClient.Answer removed = http.delete("/v1/stacks/shop?volumes=true");

        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.as(ChangeResult.class).message()).isEqualTo("stack shop removed: 2 services, 3 volumes");
        assertThat(manager.state().services()).isEmpty();
        assertThat(manager.state().volumes()).extracting(Volume::name).containsExactly("legacy");
        assertThat(error(http.delete("/v1/stacks/shop?volumes=true"), 404).message()).isEqualTo("no such stack: shop");
    }

    @Test
    void stackRmWithVolumesAfterAPlainStackRmRemovesTheLeftVolumes() throws Exception {
        deployShop();
        assertThat(http.delete("/v1/stacks/shop").status()).isEqualTo(200);

        HttpTestClient.Answer removed = http.delete("/v1/stacks/shop?volumes=true");

        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.as(ChangeResult.class).message()).isEqualTo("stack shop removed: 0 services, 3 volumes");
        assertThat(manager.state().volumes()).extracting(Volume::name).containsExactly("legacy");
    }
}
