package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.FileSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.FileData;
import io.flotilla.model.api.FileInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secret and config endpoints and a deploy's secrets over real HTTP on a real one-peer manager:
 * the refusals (a taken name, a bad name or content, one in use or a stack's, an unknown external
 * one, a mount the stack does not declare) answer a clear error and change nothing; a stack's own
 * ones are versioned only when their content changes, and go with the stack.
 */
class FileEndpointsTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private Manager manager;
    private HttpTestClient http;

    @BeforeEach
    void startManager() throws Exception {
        manager = OneNodeApi.start(managers, dataDir);
        http = new HttpTestClient(manager.apiAddress());
    }

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private static FileData content(String name, String text) {
        return new FileData(null, name, Map.of(), text.getBytes(StandardCharsets.UTF_8));
    }

    private static ApiError error(HttpTestClient.Answer answer, int status) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        return answer.as(ApiError.class);
    }

    private static ServiceSpec using(String shortName, FileMount... mounts) {
        ServiceSpec plain = TestManagers.service("shop", shortName, 1);
        return plain.withTask(plain.task().withFiles(List.of(mounts)));
    }

    private static FileMount secret(String name) {
        return new FileMount(FileKind.SECRET, name, name, null, null, FileMount.DEFAULT_MODE);
    }

    @Test
    void refusalsAreClearAndChangeNothing() throws Exception {
        assertThat(http.post("/v1/secrets", content("api-key", "s3cret")).status()).isEqualTo(201);
        assertThat(error(http.post("/v1/secrets", content("api-key", "other")), 409).message())
                .contains("already exists").contains("secret update api-key");
        assertThat(error(http.post("/v1/secrets", content("-bad", "x")), 400).message()).contains("invalid secret name");
        assertThat(error(http.post("/v1/secrets", content("empty", "")), 400).message()).contains("no content");
        assertThat(error(http.post("/v1/secrets", new FileData(null, "big", Map.of(), new byte[600 * 1024])), 400)
                .message()).contains("at most");
        assertThat(error(http.get("/v1/secrets/nope"), 404).message()).contains("no such secret: nope");

        StackSpec stack = new StackSpec("shop", List.of(using("web", secret("api-key"), secret("shop_db"))), List.of(),
                List.of(), List.of(new FileSpec(FileKind.SECRET, "api-key", Map.of(), true),
                new FileSpec(FileKind.SECRET, "shop_db", Map.of(), false)));
        List<FileData> own = List.of(new FileData(FileKind.SECRET, "shop_db", Map.of(), "pw1".getBytes()));
        assertThat(http.post("/v1/stacks/shop", new DeployRequest(stack, own)).status()).isEqualTo(200);
        java.util.Set<Object> files = java.util.Set.copyOf(manager.state().files().all());
        Object web = manager.state().serviceByName("shop_web").orElseThrow();

        assertThat(error(http.delete("/v1/secrets/api-key"), 409).message())
                .contains("in use by service shop_web").contains("nothing changed");
        assertThat(error(http.delete("/v1/secrets/shop_db"), 409).message()).contains("belongs to stack shop");
        assertThat(error(http.post("/v1/secrets/shop_db/update", content(null, "x")), 409).message())
                .contains("belongs to stack shop");

        StackSpec unknown = new StackSpec("shop", List.of(using("web", secret("api-key"), secret("nope"))), List.of(),
                List.of(), List.of(new FileSpec(FileKind.SECRET, "api-key", Map.of(), true),
                new FileSpec(FileKind.SECRET, "nope", Map.of(), true)));
        assertThat(error(http.post("/v1/stacks/shop", new DeployRequest(unknown)), 400).message())
                .contains("external secret nope does not exist");
        StackSpec undeclared = new StackSpec("shop", List.of(using("web", secret("api-key"), secret("other"))),
                List.of(), List.of(), List.of(new FileSpec(FileKind.SECRET, "api-key", Map.of(), true)));
        assertThat(error(http.post("/v1/stacks/shop", new DeployRequest(undeclared)), 400).message())
                .contains("uses secret other, which stack shop does not declare");
        assertThat(error(http.post("/v1/stacks/shop", new DeployRequest(stack)), 400).message())
                .contains("secret shop_db came without its content");
        assertThat(java.util.Set.copyOf(manager.state().files().all())).as("no refusal changed a secret").isEqualTo(files);
        assertThat(manager.state().serviceByName("shop_web").orElseThrow()).as("nor the service").isEqualTo(web);
    }

    @Test
    void aStacksOwnSecretIsVersionedWhenItsContentChangesAndGoesWithTheStack() throws Exception {
        StackSpec stack = new StackSpec("shop", List.of(using("web", secret("shop_db"))), List.of(), List.of(),
                List.of(new FileSpec(FileKind.SECRET, "shop_db", Map.of("a", "b"), false)));
        for (String content : List.of("pw1", "pw1", "pw2", "pw2")) {
            assertThat(http.post("/v1/stacks/shop", new DeployRequest(stack, List.of(new FileData(FileKind.SECRET,
                    "shop_db", Map.of(), content.getBytes())))).status()).isEqualTo(200);
        }
        FileInfo info = http.get("/v1/secrets/shop_db").as(FileInfo.class);
        assertThat(info.version()).isEqualTo(2);
        assertThat(info.stack()).isEqualTo("shop");
        assertThat(info.services()).containsExactly("shop_web");
        assertThat(info.size()).isEqualTo(3);
        assertThat(info.data()).isNull();
        assertThat(http.get("/v1/secrets").as(FileInfo[].class)).extracting(FileInfo::name).containsExactly("shop_db");

        assertThat(http.delete("/v1/stacks/shop").status()).isEqualTo(200);
        assertThat(http.get("/v1/secrets").as(FileInfo[].class)).isEmpty();
    }

    @Test
    void lsShowsWhichVersionEachTaskHoldsAsItsAgentReportsIt() throws Exception {
        assertThat(http.post("/v1/secrets", content("api-key", "v1")).status()).isEqualTo(201);
        StackSpec stack = new StackSpec("shop", List.of(using("web", secret("api-key"))), List.of(), List.of(),
                List.of(new FileSpec(FileKind.SECRET, "api-key", Map.of(), true)));
        assertThat(http.post("/v1/stacks/shop", new DeployRequest(stack)).status()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                manager.state().tasksOfNode(OneNodeApi.NODE).stream().anyMatch(t -> t.state() == TaskState.ASSIGNED));
        Task task = manager.state().tasksOfNode(OneNodeApi.NODE).getFirst();
        assertThat(http.get("/v1/secrets/api-key").as(FileInfo.class).tasks())
                .containsExactly(new FileInfo.TaskVersion(task.id(), task.displayName(), OneNodeApi.NODE, 0));

        manager.submit(new Command.UpdateTaskStatuses(OneNodeApi.NODE, List.of(new Command.TaskStatusUpdate(task.id(),
                TaskStatus.of(TaskState.RUNNING, task.status().timestamp().plusSeconds(1), "running")
                        .withFiles(Map.of("api-key", 1L)))))).get();
        assertThat(http.get("/v1/secrets").as(FileInfo[].class)[0].tasks())
                .containsExactly(new FileInfo.TaskVersion(task.id(), task.displayName(), OneNodeApi.NODE, 1));
    }

    @Test
    void aSecretNoServiceUsesIsRemovedAndAConfigsContentIsShownOnInspect() throws Exception {
        assertThat(http.post("/v1/configs", content("nginx.conf", "server {}")).status()).isEqualTo(201);
        assertThat(http.post("/v1/secrets", content("nginx.conf", "a secret of the same name")).status())
                .as("secrets and configs have their own names").isEqualTo(201);
        FileInfo config = http.get("/v1/configs/nginx.conf").as(FileInfo.class);
        assertThat(new String(config.data(), StandardCharsets.UTF_8)).isEqualTo("server {}");
        assertThat(http.post("/v1/configs/nginx.conf/update", content(null, "server { listen 80; }")).as(FileInfo.class)
                .version()).isEqualTo(2);
        assertThat(http.post("/v1/configs/nginx.conf/update", content(null, "server { listen 80; }")).as(FileInfo.class)
                .version()).as("the same content again: no new version").isEqualTo(2);
        assertThat(http.delete("/v1/configs/" + config.id().substring(0, 6)).status()).isEqualTo(204);
        assertThat(http.get("/v1/configs").as(FileInfo[].class)).isEmpty();
        assertThat(http.get("/v1/secrets").as(FileInfo[].class)).hasSize(1);
    }
}
