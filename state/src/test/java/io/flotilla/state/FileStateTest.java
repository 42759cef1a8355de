package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ClusterFile;
import io.flotilla.model.Command;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.FileSpec;
import io.flotilla.model.Json;
import io.flotilla.model.SealedData;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Secrets and configs in the state: made, versioned only from the version their content was
 * sealed for, kept while a service uses them, a stack's own made and versioned by its deploy in
 * the same entry as its services (or nothing at all), removed with the stack, kept by snapshots,
 * and a new version stamps the nodes whose tasks use it (their assignment sets are sent again).
 */
class FileStateTest {
    private static final String DB_PASSWORD = "shop_db-password";
    private long index;

    static SealedData sealed(int marker) {
        byte[] nonce = new byte[12];
        nonce[0] = (byte) marker;
        return new SealedData(nonce, new byte[20 + marker]);
    }

    private static ClusterFile external(String name) {
        return new ClusterFile("f-" + name, FileKind.SECRET, name, null, Map.of("team", "a"), 1, T0, T0, sealed(1));
    }

    private static ServiceSpec usingSecret(String shortName, String secret) {
        ServiceSpec plain = VolumeStateTest.service(shortName, 1, Map.of());
        return plain.withTask(plain.task().withFiles(List.of(new FileMount(FileKind.SECRET, secret,
                secret, null, null, FileMount.DEFAULT_MODE))));
    }

    private static Command.DeployStack deploy(List<FileSpec> files, List<Command.FileVersion> versions,
                                              ServiceSpec... services) {
        Map<String, String> ids = new java.util.HashMap<>();
        for (ServiceSpec spec : services) {
            ids.put(spec.name(), "s-" + spec.shortName());
        }
        return new Command.DeployStack("shop", List.of(services), ids, T0, List.of(), List.of(), Map.of(), files,
                versions);
    }

    private static FileSpec own(String name) {
        return new FileSpec(FileKind.SECRET, name, Map.of(), false);
    }

    private ClusterState apply(ClusterState state, Command command) {
        return StateMachine.apply(state, ++index, command);
    }

    @Test
    void aSecretIsMadeOnceAndVersionedOnlyFromTheVersionItsContentWasSealedFor() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.CreateFile(external("api-key")));
        assertThat(s.files().get(FileKind.SECRET, "api-key").orElseThrow().version()).isEqualTo(1);
        assertThat(s.files().get(FileKind.CONFIG, "api-key")).isEmpty(); // its own name space

        ClusterState again = apply(s, new Command.CreateFile(new ClusterFile("other", FileKind.SECRET, "api-key", null,
                Map.of(), 1, T0, T0, sealed(2))));
        assertThat(again.files().get(FileKind.SECRET, "api-key").orElseThrow().id()).isEqualTo("f-api-key");

        ClusterState v2 = apply(s, new Command.UpdateFile(FileKind.SECRET, "api-key", 2, sealed(3), T0.plusSeconds(5)));
        ClusterFile updated = v2.files().get(FileKind.SECRET, "api-key").orElseThrow();
        assertThat(updated.version()).isEqualTo(2);
        assertThat(updated.sealed()).isEqualTo(sealed(3));
        assertThat(updated.updatedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(updated.createdAt()).isEqualTo(T0);

        ClusterState late = apply(v2, new Command.UpdateFile(FileKind.SECRET, "api-key", 2, sealed(4), T0));
        assertThat(late.files().get(FileKind.SECRET, "api-key").orElseThrow().sealed()).isEqualTo(sealed(3));
    }

    @Test
    void aSecretInUseIsNotRemovedAndOneNoServiceUsesIs() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.CreateFile(external("api-key")));
        s = apply(s, deploy(List.of(new FileSpec(FileKind.SECRET, "api-key", Map.of(), true)), List.of(),
                usingSecret("web", "api-key")));
        assertThat(s.service("s-web")).isPresent();

        ClusterState refused = apply(s, new Command.RemoveFile(FileKind.SECRET, "api-key", T0));
        assertThat(refused.files().get(FileKind.SECRET, "api-key")).isPresent();

        ClusterState gone = apply(apply(s, new Command.RemoveStack("shop", T0)),
                new Command.RemoveFile(FileKind.SECRET, "api-key", T0));
        assertThat(gone.files().get(FileKind.SECRET, "api-key")).isEmpty();
    }

    @Test
    void aDeployMakesAndVersionsItsOwnSecretsWithItsServicesOrChangesNothing() {
        ServiceSpec web = usingSecret("web", DB_PASSWORD);
        ClusterState s = apply(ClusterState.EMPTY, deploy(List.of(own(DB_PASSWORD)),
                List.of(new Command.FileVersion(FileKind.SECRET, DB_PASSWORD, "f1", 1, sealed(1))), web));
        ClusterFile made = s.files().get(FileKind.SECRET, DB_PASSWORD).orElseThrow();
        assertThat(made.stack()).isEqualTo("shop");
        assertThat(made.version()).isEqualTo(1);
        assertThat(s.service("s-web")).isPresent();

        ClusterState unchanged = apply(s, deploy(List.of(own(DB_PASSWORD)), List.of(), web));
        assertThat(unchanged.files().get(FileKind.SECRET, DB_PASSWORD).orElseThrow().version()).isEqualTo(1);

        ClusterState v2 = apply(s, deploy(List.of(own(DB_PASSWORD)),
                List.of(new Command.FileVersion(FileKind.SECRET, DB_PASSWORD, "f1", 2, sealed(2))), web));
        assertThat(v2.files().get(FileKind.SECRET, DB_PASSWORD).orElseThrow().version()).isEqualTo(2);

        // a version out of turn, an unknown external one, a service naming one the stack does not list:
        // the whole deploy changes nothing (the services neither)
        ServiceSpec worker = usingSecret("worker", DB_PASSWORD);
        for (Command.DeployStack refused : List.of(
                deploy(List.of(own(DB_PASSWORD)), List.of(new Command.FileVersion(FileKind.SECRET, DB_PASSWORD, "f1", 5,
                        sealed(5))), web, worker),
                deploy(List.of(own(DB_PASSWORD), new FileSpec(FileKind.SECRET, "missing", Map.of(), true)), List.of(),
                        web, worker),
                deploy(List.of(), List.of(), web, worker))) {
            ClusterState after = apply(v2, refused);
            assertThat(after.service("s-worker")).as(refused.toString()).isEmpty();
            assertThat(after.files().get(FileKind.SECRET, DB_PASSWORD).orElseThrow().version()).isEqualTo(2);
        }

        ClusterState removed = apply(v2, new Command.RemoveStack("shop", T0));
        assertThat(removed.files().get(FileKind.SECRET, DB_PASSWORD)).isEmpty();
    }

    @Test
    void aSecretTheStackNoLongerListsStaysWhileATaskOfTheOldVersionStillMountsIt() {
        ServiceSpec web = usingSecret("web", DB_PASSWORD);
        ClusterState s = apply(ClusterState.EMPTY, new Command.UpsertNode(StateMachineTest.node("n1")));
        s = apply(s, deploy(List.of(own(DB_PASSWORD)),
                List.of(new Command.FileVersion(FileKind.SECRET, DB_PASSWORD, "f1", 1, sealed(1))), web));
        s = apply(s, new Command.CreateTasks(List.of(VolumeStateTest.task("t1", web, "s-web", 1))));
        s = apply(s, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));

        ServiceSpec withoutSecret = VolumeStateTest.service("web", 1, Map.of());
        ClusterState redeployed = apply(s, deploy(List.of(), List.of(), withoutSecret));
        assertThat(redeployed.service("s-web").orElseThrow().spec()).isEqualTo(withoutSecret);
        assertThat(redeployed.files().get(FileKind.SECRET, DB_PASSWORD)).as("t1 still runs with it").isPresent();

        ClusterState ended = apply(redeployed, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate(
                "t1", TaskStatus.of(TaskState.SHUTDOWN, T0.plusSeconds(9), "replaced")))));
        ClusterState again = apply(ended, deploy(List.of(), List.of(), withoutSecret));
        assertThat(again.files().get(FileKind.SECRET, DB_PASSWORD)).as("gone with the next deploy").isEmpty();
    }

    @Test
    void aNewVersionStampsTheNodesRunningATaskThatUsesIt() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.UpsertNode(StateMachineTest.node("n1")));
        s = apply(s, new Command.UpsertNode(StateMachineTest.node("n2")));
        s = apply(s, new Command.CreateFile(external("api-key")));
        ServiceSpec web = usingSecret("web", "api-key");
        ServiceSpec other = VolumeStateTest.service("other", 1, Map.of());
        s = apply(s, deploy(List.of(new FileSpec(FileKind.SECRET, "api-key", Map.of(), true)), List.of(), web, other));
        s = apply(s, new Command.CreateTasks(List.of(VolumeStateTest.task("t1", web, "s-web", 1),
                VolumeStateTest.task("t2", other, "s-other", 1))));
        s = apply(s, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1"), new Command.Assignment("t2", "n2")),
                T0));
        s = apply(s, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.RUNNING, T0, "running")))));
        s = apply(s, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(1), new String("running")) // as decoded from the log
                        .withFiles(Map.of("api-key", 1L))))));
        assertThat(s.task("t1").orElseThrow().status().files()).as("the version the agent reports is kept")
                .containsEntry("api-key", 1L);
        long before = s.index();

        ClusterState v2 = apply(s, new Command.UpdateFile(FileKind.SECRET, "api-key", 2, sealed(2), T0));
        assertThat(v2.stamps().nodeTasksChangedSince("n1", before)).isTrue();
        assertThat(v2.stamps().nodeTasksChangedSince("n2", before)).isFalse();
        StateMachine.Applied applied = StateMachine.applyWithChanges(s, ++index,
                new Command.UpdateFile(FileKind.SECRET, "api-key", 2, sealed(2), T0));
        assertThat(applied.changes().files()).containsExactly("secret:api-key");
    }

    @Test
    void aSnapshotKeepsTheSecretsSealedAndTheirVersions() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.CreateFile(external("api-key")));
        s = apply(s, new Command.UpdateFile(FileKind.SECRET, "api-key", 2, sealed(2), T0));
        StateSnapshot read = Json.read(Json.writeBytes(StateSnapshot.of(s)), StateSnapshot.class);
        ClusterFile back = read.toState().files().get(FileKind.SECRET, "api-key").orElseThrow();
        assertThat(back).isEqualTo(s.files().get(FileKind.SECRET, "api-key").orElseThrow());
        assertThat(back.version()).isEqualTo(2);
    }

    @Test
    void theCommandsReadBackFromTheLog() {
        List<Command> commands = List.of(new Command.CreateFile(external("api-key")),
                new Command.UpdateFile(FileKind.SECRET, "api-key", 2, sealed(2), T0),
                new Command.RemoveFile(FileKind.CONFIG, "nginx.conf", T0),
                deploy(List.of(own(DB_PASSWORD)), List.of(new Command.FileVersion(FileKind.SECRET, DB_PASSWORD, "f1", 1,
                        sealed(1))), usingSecret("web", DB_PASSWORD)));
        for (Command command : commands) {
            assertThat(Json.read(Json.writeBytes(command), Command.class)).isEqualTo(command);
        }
    }
}
