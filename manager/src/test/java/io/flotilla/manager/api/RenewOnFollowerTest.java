package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.FakeStore;
import io.flotilla.manager.discovery.Renewals;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/**
 * A renewal that reaches a manager that does not lead is sent elsewhere (503), also when that
 * manager does not know the registration yet (a follower behind the log): a 404 would tell the
 * instance that its registration expired, and it would register again while the first one lives on.
 */
class RenewOnFollowerTest {
    /** A follower whose applied state has no registration at all. */
    private static final ClusterStore FOLLOWER = FakeStore.following(ClusterState.EMPTY);

    @Test
    void aFollowerThatDoesNotKnowTheRegistrationSaysItDoesNotLead() {
        DiscoveryApi api = new DiscoveryApi(null, FOLLOWER, new Renewals(Instant.EPOCH), InstantSource.system(), () -> "x");
        assertThatThrownBy(() -> api.renew("reg-made-a-moment-ago", ApiCaller.PLAINTEXT))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503))
                .hasMessageContaining("does not lead");
    }
}
