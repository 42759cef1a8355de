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

/** Only the leader says a stack, registration, volume, network, secret or config to remove does not exist; a manager that does not lead may be behind the log (503). */
class AbsenceTest {
    private static final ClusterStore LEADER = FakeStore.applying(ClusterState.EMPTY);
    private static final ClusterStore FOLLOWER = FakeStore.following(ClusterState.EMPTY);

    @Test
    void theLeaderAnswers404AndAManagerThatDoesNotLead503() {
        assertThat(Absence.stack(LEADER, "shop").status()).isEqualTo(404);
        assertThat(Absence.stack(FOLLOWER, "shop")).satisfies(e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.getMessage()).contains("knows no stack shop").contains("does not lead");
        });
    }

    @Test
    void removingARegistrationAFollowerDoesNotKnowYetIsSentToTheLeader() {
        assertThatThrownBy(() -> api(FOLLOWER).deregister("reg-made-a-moment-ago", ApiCaller.PLAINTEXT))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503))
                .hasMessageContaining("knows no registration reg-made-a-moment-ago").hasMessageContaining("does not lead");
        assertThatThrownBy(() -> api(LEADER).deregister("reg-gone", ApiCaller.PLAINTEXT))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessageContaining("no such registration: reg-gone");
    }

    @Test
    void removingAVolumeANetworkASecretOrAConfigAFollowerDoesNotKnowYetIsSentToTheLeader() {
        InstantSource clock = InstantSource.system();
        for (ClusterStore store : java.util.List.of(FOLLOWER, LEADER)) {
            int status = store == LEADER ? 404 : 503;
            assertThatThrownBy(() -> new VolumeEndpoints(store, clock).remove("data"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(status))
                    .hasMessageContaining(status == 404 ? "no such volume: data" : "knows no volume data");
            assertThatThrownBy(() -> new NetworkEndpoints(store, clock, () -> "x").remove("backend"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(status))
                    .hasMessageContaining(status == 404 ? "no such network: backend" : "knows no network backend");
            for (io.flotilla.model.FileKind kind : io.flotilla.model.FileKind.values()) {
                assertThatThrownBy(() -> new FileEndpoints(store, clock, () -> "x").remove(kind, "db_password"))
                        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(status))
                        .hasMessageContaining((status == 404 ? "no such " : "knows no ") + kind.label());
            }
        }
    }

    private static DiscoveryApi api(ClusterStore store) {
        return new DiscoveryApi(null, store, new Renewals(Instant.EPOCH), InstantSource.system(), () -> "x");
    }
}
