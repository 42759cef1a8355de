package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code node rm}: the id goes on the deny list and the node stays gone, whatever arrives later. */
class NodeRemovalTest {
    private static ClusterState withTwoNodes() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1,
                new Command.SetClusterConfig(new ClusterConfig("c1", "FLT-1-c1-w-x", "FLT-1-c1-m-y")));
        s = StateMachine.apply(s, 2, new Command.UpsertNode(StateMachineTest.node("m1")));
        return StateMachine.apply(s, 3, new Command.UpsertNode(StateMachineTest.node("w1")));
    }

    @Test
    void aHelloCommittedAfterTheRemovalDoesNotBringTheNodeBack() {
        ClusterState s = StateMachine.apply(withTwoNodes(), 4, new Command.RemoveNode("w1"));
        assertThat(s.cluster().removedNodes()).containsExactly("w1");
        s = StateMachine.apply(s, 5, new Command.UpsertNode(StateMachineTest.node("w1")));
        assertThat(s.node("w1")).isEmpty();
        s = StateMachine.apply(s, 6, new Command.UpsertNodes(List.of(StateMachineTest.node("w1"), StateMachineTest.node("w2"))));
        assertThat(s.node("w1")).isEmpty();
        assertThat(s.node("w2")).isPresent();
        assertThat(s.node("m1")).isPresent();
    }
}
