package io.flotilla.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.raft.UnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A manager's answer to "is my mesh table behind?": a read index, the state applied, the table built from it. */
class ManagerCatchUpTest {
    private final AtomicLong built = new AtomicLong(10);
    private final AtomicInteger wakes = new AtomicInteger();
    private final AtomicInteger reads = new AtomicInteger();
    private final CountDownLatch readIndex = new CountDownLatch(1);
    private volatile long index = 10;
    /** How many more reads find no leader. */
    private final AtomicInteger leaderless = new AtomicInteger();

    private final ManagerCatchUp.Target manager = new ManagerCatchUp.Target() {
        @Override
        public void awaitConsistent(Duration max) throws InterruptedException {
            reads.incrementAndGet();
            readIndex.await();
            if (leaderless.getAndDecrement() > 0) {
                throw new UnavailableException("Leader is unknown");
            }
        }

        @Override
        public long index() {
            return index;
        }
    };

    @Test
    void answersOnceTheTableIsBuiltFromTheStateTheReadIndexReached() throws Exception {
        ManagerCatchUp catchUp = new ManagerCatchUp(() -> manager, wakes::incrementAndGet, built::get, Duration.ofSeconds(4));
        CompletableFuture<?> answer = catchUp.caughtUp().toCompletableFuture();
        CompletableFuture<?> meanwhile = catchUp.caughtUp().toCompletableFuture();
        assertThat(meanwhile).isSameAs(answer); // requests waiting together share one read index

        index = 42; // the manager applied what it missed
        readIndex.countDown();
        Thread.sleep(100);
        assertThat(answer).isNotDone(); // the feeder has not built a table from index 42 yet
        assertThat(wakes).hasPositiveValue();

        built.set(42);
        answer.get(5, TimeUnit.SECONDS);
        assertThat(reads).hasValue(1);
        assertThat(catchUp.caughtUp().toCompletableFuture()).isNotSameAs(answer); // a later request asks again
    }

    @Test
    void aManagerThatKnowsNoLeaderYetIsStillCatchingUp() throws Exception {
        leaderless.set(3); // back from a partition: the leader's first append comes a moment later
        readIndex.countDown();
        ManagerCatchUp catchUp = new ManagerCatchUp(() -> manager, wakes::incrementAndGet, built::get, Duration.ofSeconds(4));

        catchUp.caughtUp().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(reads).hasValue(4);
    }

    @Test
    void withoutALeaderForTheWholeWaitItCannotTell() {
        leaderless.set(Integer.MAX_VALUE);
        readIndex.countDown();
        ManagerCatchUp catchUp = new ManagerCatchUp(() -> manager, wakes::incrementAndGet, built::get, Duration.ofMillis(300));

        assertThatThrownBy(() -> catchUp.caughtUp().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnavailableException.class);
        assertThat(reads.get()).isGreaterThan(1);
    }

    @Test
    void aNodeWithoutAManagerIsCurrent() {
        ManagerCatchUp catchUp = new ManagerCatchUp(() -> null, wakes::incrementAndGet, built::get, Duration.ofSeconds(4));

        assertThat(catchUp.caughtUp().toCompletableFuture()).isCompleted();
        assertThat(reads).hasValue(0);
    }
}
