package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.Agent;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.HttpManagerChannel;
import io.flotilla.discovery.RegistryMirror;
import io.flotilla.discovery.RegistryMirrorStream;
import io.flotilla.model.Resources;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an idle worker's node session asks of its manager in 10 s — the agent (reports, the long
 * poll) and the registry stream DNS and the mesh read, over the one connection — counted by a
 * manager on a real HTTP server with nothing changing. The stream stays open: no request of its
 * own while idle (docs/architecture.md, "One node session").
 */
class IdleWorkerSessionTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;

    @Test
    void anIdleWorkerMakesOnlyItsReportsAndOneLongPollIn10SecondsAndKeepsItsStreamOpen() throws Exception {
        FakeManager.History history = new FakeManager.History();
        history.add("web", "e1");
        RegistryMirror mirror = new RegistryMirror();
        try (FakeManager manager = new FakeManager(history, true);
             HttpManagerChannel channel = new HttpManagerChannel(List.of(manager.address()));
             Agent agent = new Agent(new AgentConfig("w1", "host-1", "127.0.0.1", dataDir,
                     new Resources(1_000_000_000L, 1L << 30, 0), Set.of("process"), Duration.ofMillis(250)),
                     channel, Clock.systemUTC());
             RegistryMirrorStream stream = new RegistryMirrorStream(mirror, new SessionStreams(channel.connection()))) {
            agent.start();
            stream.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> manager.address().equals(stream.connectedTo()));
            Thread.sleep(500);
            long from = System.nanoTime();
            Thread.sleep(WINDOW.toMillis());
            long to = System.nanoTime();
            List<FakeManager.Seen> seen = manager.seen();
            Map<String, Long> counts = new TreeMap<>(seen.stream().filter(s -> s.at() >= from && s.at() < to)
                    .collect(Collectors.groupingBy(s -> s.request().replaceAll("\\?.*", ""), Collectors.counting())));
            long connections = seen.stream().filter(s -> s.at() < to).map(FakeManager.Seen::port).distinct().count();
            System.out.println("requests of an idle worker's node session in " + WINDOW.toSeconds() + " s: " + counts
                    + " (total " + counts.values().stream().mapToLong(Long::longValue).sum() + "); TCP connections"
                    + " since start (HTTP/1.1): " + connections + "; the stream open throughout on "
                    + stream.connectedTo());
            assertThat(counts.keySet()).containsOnly("POST /v1/dispatcher/status", "GET /v1/dispatcher/assignments");
            assertThat(counts.get("GET /v1/dispatcher/assignments")).isLessThanOrEqualTo(2);
            assertThat(counts.get("POST /v1/dispatcher/status")).isBetween(1L, 42L); // every 250 ms, fewer on a busy host
            assertThat(manager.seen("GET /v1/discovery/watch")).hasSize(1);
        }
    }
}
