package io.flotilla.manager.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.NetworkPool;
import io.flotilla.model.api.TaskLogSource;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first manager writes the network pool it was given ({@code init --network-pool}) into the cluster config. */
class InitNetworkPoolTest {
    private final TestManagers managers = new TestManagers();

    @AfterEach
    void close() {
        managers.close();
    }

    @Test
    void theGivenPoolIsTheClustersAndWithoutOneTheDefault(@TempDir Path given, @TempDir Path none) throws Exception {
        NetworkPool pool = new NetworkPool(List.of("172.30.0.0/16", "10.200.0.0/16"), 26);
        Manager withPool = managers.start(TestManagers.config(given, null).withNetworkPool(pool), new FakeClock(),
                TaskLogSource.NONE, TestManagers.tuning());
        assertThat(withPool.state().cluster().networkPool()).isEqualTo(pool);

        Manager withoutPool = managers.start(none);
        assertThat(withoutPool.state().cluster().networkPool()).isEqualTo(NetworkPool.DEFAULT);
    }
}
