package io.flotilla.manager.loops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.FakeStore;
import io.flotilla.manager.TestManagers;
import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.manager.raft.ChangeFeed;
import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.scheduler.Fencing;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Every decision of the leader loop is submitted fenced by the term it leads
 * ({@code ClusterStore#submitInTerm}): a loop that decided in a term this manager no longer leads
 * (it stalled between its leadership check and its verdict) has its decision refused, not appended
 * by the next leader. The chaos run saw such a verdict judge three live nodes down.
 */
class LeaderLoopFenceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private static ClusterState oneSilentNode(FakeClock clock) {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.UpsertNode(TestManagers.node("n1")));
        return StateMachine.apply(s, 2, new Command.SetNodeStates(List.of(
                new Command.NodeStateChange("n1", NodeState.READY, "up")), clock.instant()));
    }

    private static LeaderLoop loop(FakeStore store, FakeClock clock) {
        LeaderCore core = new LeaderCore(new DispatchRules(TIMEOUT, TIMEOUT, Fencing.DEFAULT_LEASE, clock.instant()),
                new Orchestrator(() -> "unused"), new Scheduler(), clock, false);
        return new LeaderLoop(store, core, ChangeFeed.NONE, clock, Duration.ofMillis(100));
    }

    private final FakeClock clock = new FakeClock();
    /** A store leading term 7, with one READY node that never reports. */
    private final FakeStore store = storeInTerm7(clock);

    private static FakeStore storeInTerm7(FakeClock clock) {
        FakeStore fake = FakeStore.applying(oneSilentNode(clock));
        fake.term(7);
        return fake;
    }

    @Test
    void aVerdictIsSubmittedFencedByTheTermTheLoopLeads() throws Exception {
        LeaderLoop loop = loop(store, clock);

        clock.advance(TIMEOUT.multipliedBy(3));
        loop.pass();

        assertThat(store.submitted).singleElement().isInstanceOf(Command.SetNodeStates.class);
        assertThat(store.fencedTerms).containsExactly(7L);
        assertThat(store.state().node("n1").orElseThrow().status().state()).isEqualTo(NodeState.DOWN);
    }

    @Test
    void aVerdictDecidedInATermThisManagerNoLongerLeadsIsRefusedAndChangesNothing() throws Exception {
        LeaderLoop loop = loop(store, clock);
        loop.pass(); // leads term 7: nothing to judge yet

        store.term(8); // meanwhile another manager was elected (and this one again, or not)
        clock.advance(TIMEOUT.multipliedBy(3));

        assertThatThrownBy(loop::pass).isInstanceOf(UnavailableException.class).hasMessageContaining("no longer leads term 7");
        assertThat(store.submitted).isEmpty();
        assertThat(store.state().node("n1").orElseThrow().status().state()).isEqualTo(NodeState.READY);
    }

    @Test
    void aRefusalOnceThisManagerNoLongerLeadsIsOneInfoLineAndAnyOtherFailureAWarningWithItsTrace() {
        Logger logger = (Logger) LoggerFactory.getLogger(LeaderLoop.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            LeaderLoop.logFailure(7, 8, new UnavailableException("this manager no longer leads term 7 (term 8)"));
            LeaderLoop.logFailure(9, -1, new UnavailableException("this manager no longer leads term 9 (term 9)"));
            LeaderLoop.logFailure(8, 8, new IllegalStateException("something else"));
        } finally {
            logger.detachAppender(seen);
        }
        assertThat(seen.list).hasSize(3);
        assertThat(seen.list.subList(0, 2)).allSatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getThrowableProxy()).isNull();
        });
        assertThat(seen.list.get(0).getFormattedMessage()).contains("decisions of term 7 refused, this manager leads term 8 now");
        assertThat(seen.list.get(1).getFormattedMessage()).contains("decisions of term 9 refused, this manager leads no term now");
        assertThat(seen.list.get(2).getLevel()).isEqualTo(Level.WARN);
        assertThat(seen.list.get(2).getThrowableProxy()).isNotNull();
    }
}
