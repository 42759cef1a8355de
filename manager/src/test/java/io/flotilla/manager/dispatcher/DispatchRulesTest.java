package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeState;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The dispatcher's decisions without a store or a clock: who registers as what, ready again, leases, grace. */
class DispatchRulesTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofSeconds(10);

    private final DispatchRules rules = new DispatchRules(TIMEOUT, GRACE, LEASE, T0);
    private ClusterState state = ClusterState.EMPTY;

    private void apply(Command command) {
        state = StateMachine.apply(state, state.index() + 1, command);
    }

    @Test
    void anUnknownNodeRegistersOnlyAsAPeerOrWhereUnknownNodesMay() {
        Node manager = rules.hello(state, TestManagers.node("m1"), "m1"::equals, false, T0);
        assertThat(manager.spec().role()).isEqualTo(NodeRole.MANAGER);
        assertThat(manager.status().state()).isEqualTo(NodeState.READY);
        assertThat(manager.status().since()).isEqualTo(T0);

        assertThatThrownBy(() -> rules.hello(state, TestManagers.node("w1"), id -> false, false, T0))
                .isInstanceOf(UnknownNodeException.class);
        assertThat(rules.hello(state, TestManagers.node("w1"), id -> false, true, T0).spec().role())
                .isEqualTo(NodeRole.WORKER);

        apply(new Command.SetClusterConfig(new ClusterConfig("c", "w", "m", new TreeSet<>(List.of("gone")))));
        assertThatThrownBy(() -> rules.hello(state, TestManagers.node("gone"), id -> false, true, T0))
                .as("a removed node does not come back by saying hello").isInstanceOf(UnknownNodeException.class);
    }

    @Test
    void aKnownNodeKeepsItsRoleAndTheInstantItBecameReady() {
        apply(new Command.UpsertNode(rules.hello(state, TestManagers.node("m1"), "m1"::equals, false, T0)));
        Node again = rules.hello(state, TestManagers.node("m1"), id -> false, false, T0.plusSeconds(60));
        assertThat(again.status().since()).isEqualTo(T0);
        apply(new Command.UpsertNode(again));
        assertThat(state.node("m1").orElseThrow().spec().role()).as("the state's role, not the declared one")
                .isEqualTo(NodeRole.MANAGER);
    }

    @Test
    void aReportHeartbeatsBringsANodeBackAndGrantsALeaseOnlyWithAQuorum() {
        apply(new Command.UpsertNode(rules.hello(state, TestManagers.node("a"), id -> false, true, T0)));
        DispatchRules.Report ready = rules.report(state, "a", true, T0.plusSeconds(1));
        assertThat(ready.readyAgain()).isNull();
        assertThat(ready.leaseMillis()).isEqualTo(LEASE.toMillis());
        assertThat(rules.report(state, "a", false, T0.plusSeconds(1)).leaseMillis()).as("no quorum, no lease").isZero();

        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("a", NodeState.DOWN, "silent")), T0));
        assertThat(rules.report(state, "a", true, T0.plusSeconds(20)).readyAgain())
                .isEqualTo(new Command.NodeStateChange("a", NodeState.READY, "heartbeat resumed"));
        assertThat(rules.heartbeats().lastSeen("a")).isEqualTo(T0.plusSeconds(20));
        assertThatThrownBy(() -> rules.report(state, "nobody", true, T0)).isInstanceOf(UnknownNodeException.class);
    }

    @Test
    void aNewLeaderJudgesNoNodeBeforeItsGraceRanOut() {
        apply(new Command.UpsertNode(rules.hello(state, TestManagers.node("a"), id -> false, true, T0)));
        Instant leading = T0.plusSeconds(100);
        rules.lead(leading);
        assertThat(rules.verdicts(state, leading.plus(GRACE))).isEmpty();
        assertThat(rules.verdicts(state, leading.plus(GRACE).plusMillis(1))).isNotEmpty();
        assertThat(rules.heartbeats().leadershipStart()).isEqualTo(leading);
    }
}
