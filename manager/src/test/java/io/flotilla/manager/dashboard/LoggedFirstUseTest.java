package io.flotilla.manager.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.security.ClusterDataKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A login link is one-time in the whole cluster: two managers' tokens (each with its own memory)
 * sharing one Raft log open one session between them, used one after the other or at once.
 */
class LoggedFirstUseTest {
    @TempDir Path dir;
    private final TestManagers managers = new TestManagers();
    private final ClusterDataKey key = ClusterDataKey.generate();
    private final InstantSource clock = InstantSource.system();

    @AfterEach
    void stop() {
        managers.close();
    }

    private DashboardTokens managerOf(Manager manager) {
        return new DashboardTokens(() -> key, clock, new LoggedFirstUse(manager.store(), clock));
    }

    @Test
    void aLinkUsedOnOneManagerIsRefusedOnAnother() throws Exception {
        Manager manager = managers.start(dir.resolve("m1"));
        DashboardTokens first = managerOf(manager);
        DashboardTokens other = managerOf(manager);
        String token = first.login(false, Duration.ofMinutes(5));
        assertThat(first.redeem(token)).isPresent();
        assertThat(other.redeem(token)).as("the log holds the first use").isEmpty();
        assertThat(managerOf(manager).redeem(first.login(true, Duration.ofMinutes(5)))).as("a new link works").isPresent();
    }

    @Test
    void twoManagersRedeemingOneLinkAtOnceOpenOneSession() throws Exception {
        Manager manager = managers.start(dir.resolve("m1"));
        for (int round = 0; round < 10; round++) {
            DashboardTokens a = managerOf(manager);
            DashboardTokens b = managerOf(manager);
            String token = a.login(false, Duration.ofMinutes(5));
            CompletableFuture<Optional<DashboardGrant>> atA = CompletableFuture.supplyAsync(() -> a.redeem(token));
            CompletableFuture<Optional<DashboardGrant>> atB = CompletableFuture.supplyAsync(() -> b.redeem(token));
            assertThat(atA.get().isPresent() ^ atB.get().isPresent()).as("round " + round + ": exactly one").isTrue();
        }
    }
}
