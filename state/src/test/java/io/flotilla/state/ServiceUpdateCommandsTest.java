package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.ServiceUpdateStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Update status, rollback and rebalance commands: apply rules and JSON round trips (the Raft log format). */
class ServiceUpdateCommandsTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final ServiceSpec V1 = ServiceSpec.process("web", 2, List.of("sleep", "1"));
    private static final ServiceSpec V2 = V1.withTask(V1.task().withImage("web:v2"));

    private long index;

    private ClusterState apply(ClusterState state, Command command) {
        Command roundTripped = Json.read(Json.write(command), Command.class);
        assertThat(roundTripped).isEqualTo(command);
        return StateMachine.apply(state, ++index, roundTripped);
    }

    private static Service web(ClusterState state) {
        return state.service("s1").orElseThrow();
    }

    @Test
    void anUpdateStartsTrackingAndRollbackSwapsSpecsAsANewVersion() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.CreateService("s1", V1, T0));
        assertThat(web(s).updateStatus()).isNull();
        s = apply(s, new Command.ScaleService("s1", 3, T0.plusSeconds(1)));
        assertThat(web(s).updateStatus()).isNull(); // scaling is not an update
        s = apply(s, new Command.UpdateService("s1", V2.withReplicas(3), T0.plusSeconds(2)));
        assertThat(web(s).version()).isEqualTo(2);
        assertThat(web(s).updateStatus()).isEqualTo(ServiceUpdateStatus.updating(T0.plusSeconds(2)));

        ServiceUpdateStatus paused = web(s).updateStatus().moveTo(ServiceUpdateStatus.State.PAUSED, T0.plusSeconds(3), "why");
        assertThat(web(apply(s, new Command.UpdateServiceStatus("s1", 1, paused))).updateStatus().state())
                .as("a verdict on an older version changes nothing").isEqualTo(ServiceUpdateStatus.State.UPDATING);
        s = apply(s, new Command.UpdateServiceStatus("s1", 2, paused));
        assertThat(web(s).updateStatus()).isEqualTo(paused);

        assertThat(web(apply(s, new Command.RollbackService("s1", 1, T0.plusSeconds(4), "stale"))).version()).isEqualTo(2);
        s = apply(s, new Command.RollbackService("s1", 2, T0.plusSeconds(4), "manually requested rollback"));
        assertThat(web(s).version()).isEqualTo(3);
        assertThat(web(s).spec().task()).isEqualTo(V1.task());
        assertThat(web(s).previousSpec().task()).isEqualTo(V2.task());
        assertThat(web(s).updateStatus().state()).isEqualTo(ServiceUpdateStatus.State.ROLLBACK_STARTED);

        s = apply(s, new Command.UpdateService("s1", web(s).spec(), T0.plusSeconds(5), true));
        assertThat(web(s).version()).as("force").isEqualTo(4);
        assertThat(web(s).updateStatus().state()).isEqualTo(ServiceUpdateStatus.State.UPDATING);
    }

    @Test
    void aServiceWithoutPreviousSpecCannotRollBack() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.CreateService("s1", V1, T0));
        assertThat(apply(s, new Command.RollbackService("s1", 1, T0, "no")).service("s1")).contains(web(s));
    }

    @Test
    void rebalanceRequestIsClearedOnlyByItsOwnDone() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.CreateService("s1", V1, T0));
        s = apply(s, new Command.RebalanceService("s1", T0.plusSeconds(1)));
        assertThat(web(s).rebalanceRequestedAt()).isEqualTo(T0.plusSeconds(1));
        s = apply(s, new Command.RebalanceDone("s1", T0)); // an older request's done
        assertThat(web(s).rebalanceRequestedAt()).isEqualTo(T0.plusSeconds(1));
        s = apply(s, new Command.RebalanceDone("s1", T0.plusSeconds(1)));
        assertThat(web(s).rebalanceRequestedAt()).isNull();
    }
}
