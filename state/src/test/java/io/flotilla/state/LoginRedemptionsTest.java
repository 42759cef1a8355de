package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A dashboard login link's first use wins in the log; later uses see it; expired ids go; snapshots keep them. */
class LoginRedemptionsTest {
    private static final Instant T0 = Instant.parse("2026-12-05T00:00:00Z");

    @Test
    void theFirstUseOfALinkIsTheOneTheStateKeeps() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 5, new Command.RedeemLogin("t1", "u1", T0.plusSeconds(300), T0));
        assertThat(s.logins().firstUse("t1")).isEqualTo("u1");
        s = StateMachine.apply(s, 6, new Command.RedeemLogin("t1", "u2", T0.plusSeconds(300), T0.plusSeconds(1)));
        assertThat(s.logins().firstUse("t1")).as("a second use sees the first").isEqualTo("u1");
        assertThat(s.logins().firstUse("t2")).isNull();
    }

    @Test
    void expiredLinksAreDroppedByALaterEntrysTimeAndSnapshotsKeepTheRest() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 5, new Command.RedeemLogin("t1", "u1", T0.plusSeconds(60), T0));
        s = StateMachine.apply(s, 6, new Command.RedeemLogin("t2", "u2", T0.plusSeconds(600), T0.plusSeconds(120)));
        assertThat(s.logins().firstUse("t1")).as("expired at the later entry's time").isNull();
        assertThat(s.logins().firstUse("t2")).isEqualTo("u2");
        ClusterState restored = Json.read(Json.writeBytes(StateSnapshot.of(s)), StateSnapshot.class).toState();
        assertThat(restored.logins().firstUse("t2")).isEqualTo("u2");
        ClusterState expiredAlready = StateMachine.apply(s, 7, new Command.RedeemLogin("t3", "u3", T0, T0.plusSeconds(130)));
        assertThat(expiredAlready.logins().firstUse("t3")).as("a link expired when used is not kept").isNull();
    }
}
