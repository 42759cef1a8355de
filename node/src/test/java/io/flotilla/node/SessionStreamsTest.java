package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.Agent;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.HttpManagerChannel;
import io.flotilla.agent.ManagerConnection;
import io.flotilla.discovery.RegistryMirror;
import io.flotilla.discovery.RegistryMirrorStream;
import io.flotilla.model.Resources;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's registry stream is part of its node session ({@link SessionStreams}): a real agent
 * (hello, long poll, reports) and the registry stream over one {@link ManagerConnection}, against
 * real HTTP servers standing in for the managers. When the session's manager stops, or the long
 * poll learns of a new leader, the long poll and the stream end on the same manager; the stream
 * asks no manager on its own while the session reaches none (one backoff: the session's), and the
 * mirror resumes from its index there, without a gap or a repeat.
 */
class SessionStreamsTest {
    private static final Duration MOVE = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;
    private final FakeManager.History history = new FakeManager.History();
    private final RegistryMirror mirror = new RegistryMirror();
    private FakeManager a;
    private FakeManager b;
    private HttpManagerChannel channel;
    private Agent agent;
    private RegistryMirrorStream stream;

    @AfterEach
    void stop() {
        for (AutoCloseable part : new AutoCloseable[] {stream, agent, channel, a, b}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                // stopping
            }
        }
    }

    /** Managers a (leading) and b; the session and the stream on a, the mirror holding changes 1 and 2. */
    private void startOnA(boolean bLeads) throws Exception {
        history.add("web", "e1");
        history.add("web", "e2");
        a = new FakeManager(history, true);
        b = new FakeManager(history, bLeads);
        ManagerConnection connection = new ManagerConnection(List.of(a.address(), b.address()), null);
        channel = new HttpManagerChannel(connection, null);
        agent = new Agent(new AgentConfig("w1", "host-1", "127.0.0.1", dataDir, new Resources(1_000_000_000L, 1L << 30, 0),
                Set.of("process"), Duration.ofMillis(250)), channel, Clock.systemUTC());
        agent.start();
        stream = new RegistryMirrorStream(mirror, new SessionStreams(connection)).start();
        await().atMost(MOVE).until(() -> a.address().equals(stream.connectedTo()) && mirror.resumeIndex() == 2);
        assertThat(mirror.endpoints("web")).hasSize(2);
        assertThat(channel.current()).isEqualTo(a.address());
    }

    @Test
    void whenTheManagerStopsTheLongPollAndTheStreamMoveToTheSameNextOneAndTheMirrorResumes() throws Exception {
        startOnA(false); // b does not lead yet: an election
        a.close();
        history.add("web", "e3"); // a change while the worker reaches no leader

        // No manager answers the session: the stream waits for it and asks no one on its own. Wait for
        // the session's attempts on b (a fixed sleep saw none yet on a loaded machine), then look.
        await().atMost(MOVE).until(() -> b.seen().size() >= 2);
        Thread.sleep(300);
        assertThat(b.seen("GET /v1/discovery/watch")).isEmpty();
        assertThat(b.seen()).allMatch(seen -> seen.status() == 503); // the session's attempts
        assertThat(mirror.endpoints("web")).hasSize(2); // DNS and the mesh answer from what it had

        b.lead();
        await().atMost(MOVE).until(() -> b.address().equals(stream.connectedTo()) && mirror.endpoints("web").size() == 3);
        assertThat(channel.current()).isEqualTo(b.address());
        await().atMost(MOVE).until(() -> !b.seen("GET /v1/dispatcher/assignments").isEmpty()); // the long poll moved too
        long reachedB = b.seen().stream().filter(seen -> seen.status() == 200 && seen.is("POST /v1/dispatcher"))
                .mapToLong(FakeManager.Seen::at).min().orElseThrow();
        List<FakeManager.Seen> watches = b.seen("GET /v1/discovery/watch");
        assertThat(watches).as("one stream to b, once the session reached it").hasSize(1)
                .allMatch(watch -> watch.at() >= reachedB);
        assertThat(watches.getFirst().request()).endsWith("&index=2"); // resumed where a left off
        assertThat(mirror.counters()).as("applied, skipped, resets").containsExactly(1, 0, 1);
    }

    @Test
    void whenTheLongPollLearnsOfANewLeaderTheStreamMovesThereToo() throws Exception {
        startOnA(true);
        a.follow(b.address()); // a is alive and still streams, but b leads now
        history.add("web", "e3");

        await().atMost(MOVE).until(() -> b.address().equals(stream.connectedTo()) && mirror.endpoints("web").size() == 3);
        assertThat(channel.current()).isEqualTo(b.address());
        assertThat(b.seen("GET /v1/discovery/watch")).hasSize(1).allMatch(watch -> watch.request().contains("&index="));
        long[] counters = mirror.counters();
        assertThat(counters[1]).as("skipped").isZero();
        assertThat(counters[2]).as("resets").isEqualTo(1);
        assertThat(a.seen("GET /v1/discovery/watch")).hasSize(1);

        Thread.sleep(3_500); // longer than a stream's answer may take to begin: the open stream is not cut
        assertThat(b.seen("GET /v1/discovery/watch")).hasSize(1);
        assertThat(stream.connectedTo()).isEqualTo(b.address());
    }

    @Test
    void whenTheManagerHangsTheWaitingLongPollIsAbandonedAndEverythingMovesToTheNext() throws Exception {
        startOnA(true);
        Thread.sleep(300); // the long poll waits on a
        long hung = System.nanoTime();
        a.hang(); // a stopped process: connections open, nothing answered (the reports time out after 2 s)
        history.add("web", "e3");

        await().atMost(MOVE).until(() -> b.address().equals(stream.connectedTo()) && mirror.endpoints("web").size() == 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> !b.seen("GET /v1/dispatcher/assignments").isEmpty());
        long polled = b.seen("GET /v1/dispatcher/assignments").getFirst().at();
        assertThat(Duration.ofNanos(polled - hung)).as("the long poll left a with the session, not after its 10 s wait")
                .isLessThan(Duration.ofSeconds(6));
        assertThat(channel.current()).isEqualTo(b.address());
        assertThat(mirror.counters()).as("applied, skipped, resets").containsExactly(1, 0, 1);
    }

    @Test
    void aStreamThatBreaksTakesTheSessionAlongToTheNextManager() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        history.add("web", "e1");
        a = new FakeManager(history, true);
        ManagerConnection connection = new ManagerConnection(List.of(a.address(), "127.0.0.1:" + port), null);
        channel = new HttpManagerChannel(connection, null);
        stream = new RegistryMirrorStream(mirror, new SessionStreams(connection)).start();
        channel.report(new io.flotilla.model.api.StatusReport("w1", List.of())); // the session reaches a
        await().atMost(MOVE).until(() -> a.address().equals(stream.connectedTo()));

        a.close(); // the stream breaks before any call of the session fails
        await().atMost(MOVE).until(() -> connection.reached() == null);
        assertThat(channel.current()).as("the session's next call tries another manager first")
                .isEqualTo("127.0.0.1:" + port);
    }
}
