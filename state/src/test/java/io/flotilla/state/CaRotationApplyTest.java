package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.CaRotation;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

/** A root CA rotation in the log: started once, counted per node, ended by the last node renewed or removed. */
class CaRotationApplyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final CaRotation ROTATION = new CaRotation("ROOT", "KEY", "CROSS", "OLD", "d1", null, T0);

    private static ClusterState cluster() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1,
                new Command.SetClusterConfig(new ClusterConfig("c1", "FLT-1-c1-w-x", "FLT-1-c1-m-y")));
        s = StateMachine.apply(s, 2, new Command.UpsertNode(StateMachineTest.node("m1")));
        s = StateMachine.apply(s, 3, new Command.UpsertNode(StateMachineTest.node("w1")));
        return StateMachine.apply(s, 4, new Command.StartCaRotation(ROTATION));
    }

    @Test
    void theRotationEndsWhenEveryNodeHoldsACertificateOfTheNewRoot() {
        ClusterState s = StateMachine.apply(cluster(), 5, new Command.CaCertificateIssued("m1", "d1"));
        assertThat(s.cluster().caRotation().renewed()).containsExactly("m1");
        assertThat(s.cluster().caRoot()).isNull();
        s = StateMachine.apply(s, 6, new Command.CaCertificateIssued("w1", "d1"));
        assertThat(s.cluster().caRotation()).isNull();
        assertThat(s.cluster().caRoot()).isEqualTo("ROOT");
    }

    @Test
    void aCertificateOfAnotherRootOrForAnUnknownNodeDoesNotCount() {
        ClusterState s = StateMachine.apply(cluster(), 5, new Command.CaCertificateIssued("w1", "other"));
        s = StateMachine.apply(s, 6, new Command.CaCertificateIssued("ghost", "d1"));
        assertThat(s.cluster().caRotation().renewed()).isEmpty();
    }

    @Test
    void removingTheLastNodeThatHadNotRenewedEndsTheRotation() {
        ClusterState s = StateMachine.apply(cluster(), 5, new Command.CaCertificateIssued("m1", "d1"));
        s = StateMachine.apply(s, 6, new Command.RemoveNode("w1"));
        assertThat(s.cluster().caRotation()).isNull();
        assertThat(s.cluster().caRoot()).isEqualTo("ROOT");
    }

    @Test
    void aSecondStartDoesNotReplaceTheRotationUnderWayAndATokenRotationKeepsIt() {
        ClusterState s = StateMachine.apply(cluster(), 5, new Command.CaCertificateIssued("m1", "d1"));
        s = StateMachine.apply(s, 6, new Command.StartCaRotation(new CaRotation("R2", "K2", "C2", "ROOT", "d2", null, T0)));
        assertThat(s.cluster().caRotation().rootDigest()).isEqualTo("d1");
        s = StateMachine.apply(s, 7, new Command.SetClusterConfig(new ClusterConfig("c1", "FLT-1-c1-w-new", "FLT-1-c1-m-y")));
        assertThat(s.cluster().workerToken()).isEqualTo("FLT-1-c1-w-new");
        assertThat(s.cluster().caRotation().renewed()).containsExactly("m1");
    }

    @Test
    void theRotationSurvivesASnapshotAndHidesItsKeyFromLogs() throws Exception {
        ClusterState s = StateMachine.apply(cluster(), 5, new Command.CaCertificateIssued("m1", "d1"));
        var json = io.flotilla.model.Json.MAPPER.writeValueAsString(StateSnapshot.of(s));
        ClusterState back = io.flotilla.model.Json.MAPPER.readValue(json, StateSnapshot.class).toState();
        assertThat(back.cluster()).isEqualTo(s.cluster());
        assertThat(s.cluster().toString()).doesNotContain("KEY").doesNotContain("FLT-1");
        assertThat(List.of(s.cluster().caRotation().toString())).noneMatch(text -> text.contains("KEY"));
    }
}
