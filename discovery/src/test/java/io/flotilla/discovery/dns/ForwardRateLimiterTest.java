package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ForwardRateLimiterTest {
    private final TestClock clock = new TestClock();

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    @Test
    void aBurstThenTheSteadyRatePerClient() throws UnknownHostException {
        ForwardRateLimiter limiter = new ForwardRateLimiter(clock, 100, 200, 16);
        for (int i = 0; i < 200; i++) {
            assertThat(limiter.tryAcquire(ip("10.0.0.1"))).isTrue();
        }
        assertThat(limiter.tryAcquire(ip("10.0.0.1"))).isFalse();
        assertThat(limiter.tryAcquire(ip("10.0.0.2"))).as("another client has its own bucket").isTrue();
        clock.advance(Duration.ofMillis(10)); // one token at 100/s
        assertThat(limiter.tryAcquire(ip("10.0.0.1"))).isTrue();
        assertThat(limiter.tryAcquire(ip("10.0.0.1"))).isFalse();
        clock.advance(Duration.ofDays(365)); // refills to the burst, no more (and no overflow)
        for (int i = 0; i < 200; i++) {
            assertThat(limiter.tryAcquire(ip("10.0.0.1"))).isTrue();
        }
        assertThat(limiter.tryAcquire(ip("10.0.0.1"))).isFalse();
    }

    @Test
    void theClientsTrackedAreBounded() throws UnknownHostException {
        ForwardRateLimiter limiter = new ForwardRateLimiter(clock, 1, 1, 16);
        for (int i = 0; i < 1_000; i++) {
            limiter.tryAcquire(ip("10.0." + (i / 256) + "." + (i % 256)));
        }
        assertThat(limiter.trackedClients()).isEqualTo(16);
    }
}
