package io.flotilla.manager.loops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.TestManagers;
import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.manager.raft.ChangeFeed;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.scheduler.Fencing;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A submission of the leader loop that fails may still commit: the entry stays in the leader's log
 * and commits with the next one. The loop must not decide again on a state without it, or it
 * fills a slot twice; for a fenced slot, two tasks that must never run together.
 */
class LeaderLoopSettleTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @Test
    void aTaskCreationThatFailedButCommitsLaterIsNotMadeAgain() throws Exception {
        FakeClock clock = new FakeClock();
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.UpsertNode(TestManagers.node("n1")));
        s = StateMachine.apply(s, 2, new Command.SetNodeStates(List.of(
                new Command.NodeStateChange("n1", NodeState.READY, "up")), clock.instant()));
        s = StateMachine.apply(s, 3, new Command.CreateService("svc1", TestManagers.service("shop", "db", 1), clock.instant()));
        LogStore store = new LogStore(s);
        AtomicInteger ids = new AtomicInteger();
        LeaderCore core = new LeaderCore(new DispatchRules(TIMEOUT, TIMEOUT, Fencing.DEFAULT_LEASE, clock.instant()),
                new Orchestrator(() -> "t" + ids.incrementAndGet()), new Scheduler(), clock, true);
        LeaderLoop loop = new LeaderLoop(store, core, ChangeFeed.NONE, clock, Duration.ofMillis(20));
        try {
            loop.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.state().tasksOfService("svc1").stream()
                    .anyMatch(task -> task.nodeId() != null));
            Thread.sleep(200); // passes go on: any second task would be made by now
        } finally {
            loop.close();
        }

        List<Task> created = store.submitted.stream().filter(Command.CreateTasks.class::isInstance)
                .flatMap(c -> ((Command.CreateTasks) c).tasks().stream()).toList();
        assertThat(created).as("tasks created for the one slot").hasSize(1);
        assertThat(store.state().tasksOfService("svc1")).hasSize(1);
        assertThat(store.submitted).as("the loop waited for a barrier before deciding again").contains(LeaderLoop.BARRIER);
    }

    /**
     * A leader's log, reduced: every submission is appended; the first task creation's answer fails
     * as a commit timeout would (it stays in the log), and each later submission commits everything
     * before it, in order, with it.
     */
    private static final class LogStore implements ClusterStore {
        final List<Command> submitted = new CopyOnWriteArrayList<>();
        private final List<Command> uncommitted = new ArrayList<>();
        private boolean failedOne;
        private volatile ClusterState state;

        LogStore(ClusterState state) {
            this.state = state;
        }

        @Override
        public ClusterState state() {
            return state;
        }

        @Override
        public ClusterState awaitIndex(long after, Duration max) throws InterruptedException {
            if (state.index() <= after) {
                Thread.sleep(max.toMillis());
            }
            return state;
        }

        @Override
        public synchronized CompletableFuture<ClusterState> submit(Command command) {
            submitted.add(command);
            uncommitted.add(command);
            if (!failedOne && command instanceof Command.CreateTasks) {
                failedOne = true;
                return CompletableFuture.failedFuture(new UnavailableException("the change was not committed within 10000 ms"));
            }
            ClusterState next = state;
            for (Command entry : uncommitted) {
                next = StateMachine.apply(next, next.index() + 1, entry);
            }
            uncommitted.clear();
            state = next;
            return CompletableFuture.completedFuture(next);
        }

        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public long term() {
            return 1;
        }
    }
}
