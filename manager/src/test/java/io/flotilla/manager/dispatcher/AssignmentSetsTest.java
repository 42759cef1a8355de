package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.Json;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.AssignmentVariables;
import io.flotilla.model.api.TaskNetwork;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each task's typed assignment, made from the state as the log holds it. */
class AssignmentSetsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    /** An AssignTasks entry as the scheduler writes it to the log now: the decision typed. */
    private static final String STORED_ASSIGNMENT = """
            {"type":"AssignTasks","assignments":[{"taskId":"db1","nodeId":"n1",
              "allocation":{"fenced":true,"slotVolumes":true}},
              {"taskId":"app1","nodeId":"n1","allocation":{"dependencyAddresses":{"DB_HOST":"10.0.0.5"}}}],
             "at":"2026-12-01T00:00:01Z"}
            """;

    /** The same entry as a leader wrote it before the decision was typed: fencing and slot as variables. */
    private static final String STORED_ASSIGNMENT_BEFORE = """
            {"type":"AssignTasks","assignments":[{"taskId":"db1","nodeId":"n1",
              "env":{"FLOTILLA_FENCING":"lease","FLOTILLA_SLOT":"1","FLOTILLA_SLOT_NAME":"db-1.db.shop.flotilla"}},
              {"taskId":"app1","nodeId":"n1","env":{"DB_HOST":"10.0.0.5"}}],
             "at":"2026-12-01T00:00:01Z"}
            """;

    @Test
    void aStoredFencedTaskIsSentFencedWithItsSlotPortsAndDependenciesTyped() throws Exception {
        assertSent(STORED_ASSIGNMENT);
    }

    @Test
    void aTaskTheLogStoredWithItsDecisionAsVariablesIsSentTheSame() throws Exception {
        assertSent(STORED_ASSIGNMENT_BEFORE);
    }

    @Test
    void aTaskOfARemovedStatefulServiceKeepsItsSlotButHasNoSlotName() throws Exception {
        ClusterState state = stored(STORED_ASSIGNMENT);
        state = StateMachine.apply(state, state.index() + 1, new Command.RemoveService("db", T0));
        Assignment db1 = AssignmentSets.of(state, "n1").assignment("db1");
        assertThat(db1.fenced()).isTrue();
        assertThat(db1.slot()).isEqualTo(1);
        assertThat(db1.slotName()).isNull();
    }

    private static void assertSent(String entry) throws Exception {
        ClusterState state = stored(entry);

        AssignmentSet set = AssignmentSets.of(state, "n1");

        assertThat(set.tasks()).extracting(Task::id).containsExactly("app1", "db1");
        assertThat(set.assignment("db1")).isEqualTo(new Assignment(
                List.of(new Assignment.Port("pg", 5432), new Assignment.Port("admin", 9000, 19000)), true, Map.of(), true,
                1, "db-1.db.shop.flotilla"));
        assertThat(set.assignment("app1")).isEqualTo(new Assignment(
                List.of(new Assignment.Port("http", 8080), new Assignment.Port("9090", 9090)), false,
                Map.of("DB", "shop_db"), false));
        assertThat(set.dependencies()).containsOnlyKeys("shop_db");
        // the tasks are sent as stored, their decision typed
        assertThat(set.tasks().get(1)).isSameAs(state.task("db1").orElseThrow());
        assertThat(set.tasks().get(1).allocation()).isEqualTo(new TaskAllocation(true, true, Map.of()));
        assertThat(set.tasks().get(0).allocation()).isEqualTo(new TaskAllocation(false, false, Map.of("DB_HOST", "10.0.0.5")));
        // what the processes see
        assertThat(AssignmentVariables.of(set.assignment("db1"))).containsEntry("FLOTILLA_FENCING", "lease")
                .containsEntry("FLOTILLA_SLOT", "1").containsEntry("FLOTILLA_SLOT_NAME", "db-1.db.shop.flotilla");
        assertThat(AssignmentVariables.of(set.assignment("app1"))).doesNotContainKeys("FLOTILLA_FENCING", "FLOTILLA_SLOT");
    }

    private static ClusterState stored(String entry) throws Exception {
        ServiceSpec db = TestManagers.service("shop", "db", 1).withPorts(List.of(
                new PortSpec("pg", 5432, null, null, null), new PortSpec("admin", 9000, 19000, null, "host")));
        ServiceSpec app = TestManagers.service("shop", "app", 1).withDependsOn(List.of(new DependencySpec("db", null, true)));
        ClusterState state = ClusterState.EMPTY;
        long index = 0;
        state = StateMachine.apply(state, ++index, new Command.CreateService("db", db, T0));
        state = StateMachine.apply(state, ++index, new Command.CreateService("app", app, T0));
        Service dbService = state.service("db").orElseThrow();
        Service appService = state.service("app").orElseThrow();
        state = StateMachine.apply(state, ++index, new Command.UpsertNode(TestManagers.node("n1")));
        state = StateMachine.apply(state, ++index, new Command.CreateTasks(List.of(
                TestManagers.newTask("db1", dbService, 1, T0), TestManagers.newTask("app1", appService, 1, T0))));
        return StateMachine.apply(state, ++index, Json.read(entry.getBytes(StandardCharsets.UTF_8), Command.class));
    }

    @Test
    void aTaskOfNetworksIsSentWithEachOfThemInItsTemplatesOrderItsAddressThereAndItsStack() {
        NetworkFixture cluster = new NetworkFixture().task("api1", "shop_api", 1, "n2").task("web1", "shop_web", 1, "n2");
        ClusterState state = cluster.state();
        io.flotilla.state.NetworkTable networks = state.networks();
        Map<String, String> addresses = new java.util.HashMap<>();
        networks.addressesOf(state.task("api1").orElseThrow()).forEach(a -> addresses.put(a.network(), a.address()));

        AssignmentSet set = AssignmentSets.of(state, "n2");

        Assignment api1 = set.assignment("api1");
        assertThat(api1.stack()).isEqualTo("shop");
        assertThat(api1.networks()).extracting(TaskNetwork::network)
                .containsExactly(NetworkFixture.FRONT, NetworkFixture.BACK); // the template's order: front is its default route
        io.flotilla.model.Network back = networks.get(NetworkFixture.BACK).orElseThrow();
        assertThat(api1.networks().get(1)).isEqualTo(new TaskNetwork(back.name(), back.vni(), back.subnet(),
                back.gateway(), false, addresses.get(NetworkFixture.BACK)));
        assertThat(api1.networks().get(0).address()).isEqualTo(addresses.get(NetworkFixture.FRONT));
        assertThat(set.assignment("web1").networks()).extracting(TaskNetwork::network).containsExactly(NetworkFixture.FRONT);
        assertThat(api1.ports()).extracting(Assignment.Port::target).containsExactly(8080); // the rest as before
    }

    @Test
    void aTaskWithoutAllItsAddressesIsNotSentUntilItHasThem() {
        NetworkFixture cluster = new NetworkFixture();
        // a /29: the gateway .1, five addresses .2-.6; the node needs one, each task one
        io.flotilla.model.NetworkSpec tiny = new io.flotilla.model.NetworkSpec("lab_tiny", "lab", false, false, Map.of(),
                "10.77.0.0/29", null);
        cluster.deploy("lab", List.of(tiny), NetworkFixture.service("lab", "db", ServiceSpec.DNSRR, List.of(), Map.of(),
                null, new io.flotilla.model.NetworkAttachment("lab_tiny")));
        for (int slot = 1; slot <= 5; slot++) {
            cluster.task("t" + slot, "lab_db", slot, "n1"); // assigned as a crafted entry would: the scheduler waits
        }
        ClusterState state = cluster.state();
        assertThat(state.networks().missingAddress(state.task("t5").orElseThrow())).isNotNull();
        assertThat(AssignmentSets.of(state, "n1").tasks()).extracting(Task::id).containsExactly("t1", "t2", "t3", "t4");

        long seen = state.index();
        state = cluster.status("t1", io.flotilla.model.TaskState.FAILED, null).state(); // frees .x: t5 gets it
        assertThat(state.networks().missingAddress(state.task("t5").orElseThrow())).isNull();
        assertThat(AssignmentSets.of(state, "n1").tasks()).extracting(Task::id).containsExactly("t2", "t3", "t4", "t5");
        assertThat(AssignmentSets.of(state, "n1").assignment("t5").networks()).hasSize(1);
        assertThat(state.stamps().nodeTasksChangedSince("n1", seen) || state.stamps().nodeSessionChangedSince("n1", seen))
                .isTrue();
    }
}
