package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader tries a failing follower again within 450 ms however many errors it counted: a
 * follower back from a partition hears from the leader at once, not after Ratis' default 5 s steps.
 * The policy is read back from the properties a manager's Raft server starts with, and parsed as
 * Ratis' log appender parses it.
 */
class AppenderRetryTest {
    @TempDir Path tmp;

    @Test
    void aFollowerThatKeepsFailingIsTriedAgainWithinHalfASecond() {
        RaftProperties properties = RaftSettings.server(new InetSocketAddress("127.0.0.1", 1), tmp, 1000);
        RetryPolicy policy = RetryPolicy.parse(RaftServerConfigKeys.Log.Appender.retryPolicy(properties),
                RaftServerConfigKeys.Log.Appender.RETRY_POLICY_KEY);

        for (int errors : new int[] {1, 10, 11, 30, 31, 35, 100, 10_000, 100_000_000}) {
            for (int draw = 0; draw < 50; draw++) { // each sleep is drawn at random around its step
                RetryPolicy.Action action = policy.handleAttemptFailure(() -> errors);
                assertThat(action.shouldRetry()).as("retried after %d errors", errors).isTrue();
                assertThat(action.getSleepTime().toLong(TimeUnit.MILLISECONDS)).as("sleep after %d errors", errors)
                        .isLessThanOrEqualTo(450);
            }
        }
    }
}
