package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.MeshServices;
import io.flotilla.model.api.NodeSession;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent offers the node's session from its long poll to listeners, and says when its certificate is refused. */
class AgentSessionTest {
    @TempDir
    Path dataDir;
    private final FakeManagerChannel manager = new FakeManagerChannel(NODE);
    private Agent agent;

    @AfterEach
    void stop() {
        agent.close();
    }

    private static NodeSession session(NodeRole role, long meshIndex) {
        return new NodeSession(new NodeSpec(role, null, null), List.of(new ManagerPeer("m1", null, "10.0.0.1:4781")),
                new MeshServices(meshIndex, List.of()), new NodeSession.CaIdentity("d1", false, false));
    }

    @Test
    void aListenerSeesEachNewSessionOnceAndALateOneTheLatest() {
        List<NodeSession> seen = new CopyOnWriteArrayList<>();
        List<String> refusals = new CopyOnWriteArrayList<>();
        manager.session(session(NodeRole.WORKER, 1));
        agent = new Agent(new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, new Resources(1_000_000_000L, 1L << 30, 0),
                Set.of("process"), Duration.ofMillis(100)), manager, Clock.systemUTC());
        agent.addSessionListener(new SessionListener() {
            @Override
            public void session(NodeSession session) {
                seen.add(session);
            }

            @Override
            public void refused(String reason) {
                refusals.add(reason);
            }
        });
        agent.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 1);
        assertThat(seen.getFirst().node().role()).isEqualTo(NodeRole.WORKER);

        manager.assign(); // a new set with the same session: not given again
        manager.session(session(NodeRole.MANAGER, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(seen.get(1).node().role()).isEqualTo(NodeRole.MANAGER);
        assertThat(agent.session()).isEqualTo(seen.get(1));

        List<NodeSession> late = new CopyOnWriteArrayList<>();
        agent.addSessionListener(late::add);
        assertThat(late).containsExactly(seen.get(1));

        manager.refuse(new ManagerRefusedException(403, "forbidden: certificate revoked"));
        await().atMost(Duration.ofSeconds(5)).until(() -> !refusals.isEmpty());
        assertThat(refusals.getFirst()).contains("revoked");
        assertThat(seen).hasSize(2);
    }
}
