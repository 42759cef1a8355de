package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.TestManagers;
import io.flotilla.manager.files.FileVault;
import io.flotilla.model.ClusterFile;
import io.flotilla.model.Command;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.FileSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.TaskFile;
import io.flotilla.security.ClusterDataKey;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A task's secrets and configs in its node's assignment set: each mount with its object's current
 * version, opened by the manager's vault; a task whose file does not open here (another key, no key)
 * is not sent at all, so that its agent never starts it without them.
 */
class AssignmentSetFilesTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private final ClusterDataKey key = ClusterDataKey.generate();
    private final FileVault vault = new FileVault(() -> key);
    private long index;

    private ClusterState apply(ClusterState state, Command command) {
        return StateMachine.apply(state, ++index, command);
    }

    private ClusterState cluster() {
        ServiceSpec plain = TestManagers.service("shop", "db", 1);
        ServiceSpec db = plain.withTask(plain.task().withFiles(List.of(
                new FileMount(FileKind.SECRET, "shop_pw", "pw", "999", null, 0400),
                new FileMount(FileKind.CONFIG, "shop_conf", "/etc/db.conf", null, null, 0444))));
        ClusterState s = apply(ClusterState.EMPTY, new Command.UpsertNode(TestManagers.node("n1")));
        s = apply(s, new Command.DeployStack("shop", List.of(db), Map.of(db.name(), "s-db"), T0, List.of(), List.of(),
                Map.of(), List.of(new FileSpec(FileKind.SECRET, "shop_pw", Map.of(), false),
                new FileSpec(FileKind.CONFIG, "shop_conf", Map.of(), false)), List.of(
                new Command.FileVersion(FileKind.SECRET, "shop_pw", "f-pw", 1, vault.seal(FileKind.SECRET, "f-pw", "shop_pw",
                        1, "pw-1".getBytes(StandardCharsets.UTF_8))),
                new Command.FileVersion(FileKind.CONFIG, "shop_conf", "f-conf", 1, vault.seal(FileKind.CONFIG, "f-conf",
                        "shop_conf", 1, "max=1".getBytes(StandardCharsets.UTF_8))))));
        s = apply(s, new Command.CreateTasks(List.of(new Task("t1", "s-db", db.name(), 1, 1, null, TaskState.RUNNING,
                TaskStatus.of(TaskState.NEW, T0, "new"), db.task(), T0, null, 0, TaskAllocation.NONE))));
        return apply(s, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
    }

    @Test
    void eachMountGoesWithTheContentOfItsObjectsCurrentVersion() {
        ClusterState s = cluster();
        Assignment assignment = AssignmentSets.of(s, "n1", vault::open).assignment("t1");
        assertThat(assignment.files()).extracting(TaskFile::version).containsExactly(1L, 1L);
        assertThat(assignment.files()).extracting(file -> new String(file.data(), StandardCharsets.UTF_8))
                .containsExactly("pw-1", "max=1");
        assertThat(assignment.files().getFirst().mount().uid()).isEqualTo("999");

        ClusterFile pw = s.files().get(FileKind.SECRET, "shop_pw").orElseThrow();
        s = apply(s, new Command.UpdateFile(FileKind.SECRET, "shop_pw", 2, vault.seal(FileKind.SECRET, pw.id(), pw.name(),
                2, "pw-2".getBytes(StandardCharsets.UTF_8)), T0));
        TaskFile rotated = AssignmentSets.of(s, "n1", vault::open).assignment("t1").files().getFirst();
        assertThat(rotated.version()).isEqualTo(2);
        assertThat(new String(rotated.data(), StandardCharsets.UTF_8)).isEqualTo("pw-2");
        assertThat(rotated.toString()).doesNotContain("pw-2");
    }

    @Test
    void aTaskWhoseFilesDoNotOpenHereIsNotSent() {
        ClusterState s = cluster();
        AssignmentSet withoutKey = AssignmentSets.of(s, "n1");
        assertThat(withoutKey.tasks()).isEmpty();
        FileVault otherKey = new FileVault(ClusterDataKey::generate);
        assertThat(AssignmentSets.of(s, "n1", otherKey::open).tasks()).isEmpty();
    }
}
