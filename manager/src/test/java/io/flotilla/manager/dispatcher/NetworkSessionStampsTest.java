package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateStamps;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What wakes a node's session for its network directory ({@link StateStamps#nodeSessionChangedSince}):
 * a change on a network it has a task on (an endpoint's readiness, a task's address, a node's state),
 * and nothing on the networks it is not on, nor a status that leaves every endpoint as it was.
 */
class NetworkSessionStampsTest {
    /** web1 on n1 (front); api1 on n2 (front, back); db1 on n2 (back), starting; blog1 on n3 (blog). */
    private static NetworkFixture cluster() {
        return new NetworkFixture()
                .task("web1", "shop_web", 1, "n1").task("api1", "shop_api", 1, "n2").task("db1", "shop_db", 1, "n2")
                .task("blog1", "blog_web", 1, "n3")
                .running("web1", "blog1").status("db1", TaskState.STARTING, null);
    }

    @Test
    void aTaskBecomingReadyWakesTheNodesOfItsNetworksOnly() {
        NetworkFixture cluster = cluster();
        long seen = cluster.state().index();
        ClusterState after = cluster.running("api1").state();
        assertThat(after.stamps().nodeSessionChangedSince("n1", seen)).as("n1 shares front with api1").isTrue();
        assertThat(after.stamps().nodeSessionChangedSince("n2", seen)).isTrue();
        assertThat(after.stamps().nodeSessionChangedSince("n3", seen)).as("n3 is on no network of api1").isFalse();
    }

    @Test
    void aFailingHealthCheckWakesTheNodesOfTheNetworkOnly() {
        NetworkFixture cluster = cluster();
        long seen = cluster.state().index();
        ClusterState after = cluster.status("blog1", TaskState.RUNNING, "unhealthy").state();
        assertThat(after.stamps().nodeSessionChangedSince("n3", seen)).isTrue();
        assertThat(after.stamps().nodeSessionChangedSince("n1", seen)).isFalse();
        assertThat(after.stamps().nodeSessionChangedSince("n2", seen)).isFalse();
    }

    @Test
    void aStatusThatChangesNoEndpointWakesNobody() {
        NetworkFixture cluster = cluster().task("db2", "shop_db", 2, "n2"); // on back: n1 is not, n2 is
        cluster.task("web2", "shop_web", 2, "n2"); // on front, with n1
        for (TaskState state : List.of(TaskState.PREPARING, TaskState.STARTING)) {
            long seen = cluster.state().index();
            ClusterState after = cluster.status("web2", state, null).state();
            assertThat(after.task("web2").orElseThrow().state()).isEqualTo(state);
            assertThat(after.stamps().nodeSessionChangedSince("n1", seen)).as("web2 is still not ready").isFalse();
        }
    }

    @Test
    void aNewTaskOnTheNetworkAndANodeGoingDownWakeTheNodesOfItsNetworks() {
        NetworkFixture cluster = cluster();
        long seen = cluster.state().index();
        ClusterState after = cluster.task("web2", "shop_web", 2, "n2").state(); // an address on front
        assertThat(after.stamps().nodeSessionChangedSince("n1", seen)).isTrue();
        assertThat(after.stamps().nodeSessionChangedSince("n3", seen)).isFalse();

        seen = after.index();
        after = cluster.apply(new Command.SetNodeStates(java.util.List.of(
                new Command.NodeStateChange("n2", NodeState.DOWN, "missed heartbeats")), NetworkFixture.T0));
        assertThat(after.stamps().nodeSessionChangedSince("n1", seen)).as("its endpoints on front are no longer ready").isTrue();
        assertThat(after.stamps().nodeSessionChangedSince("n3", seen)).isFalse();
    }
}
