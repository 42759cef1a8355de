package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogLimitTest {
    @Test
    void oneLinePerPeriod() throws InterruptedException {
        LogLimit limit = new LogLimit(50_000_000L);

        assertThat(limit.tryAcquire()).as("the first").isTrue();
        assertThat(limit.tryAcquire()).as("within the period").isFalse();
        Thread.sleep(60);
        assertThat(limit.tryAcquire()).as("after it").isTrue();
        assertThat(limit.tryAcquire()).isFalse();
    }
}
