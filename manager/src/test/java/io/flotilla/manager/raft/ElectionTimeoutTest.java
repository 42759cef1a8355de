package io.flotilla.manager.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The hidden election-timeout override: default unchanged, bad values refused with the property's name. */
class ElectionTimeoutTest {
    @Test
    void defaultIs250msWhenUnset() {
        assertEquals(Duration.ofMillis(250), RaftSettings.electionTimeoutMin(null));
        assertEquals(Duration.ofMillis(250), RaftSettings.electionTimeoutMin(" "));
        // The tests run without the property: the failover goal's 250-500 ms hold.
        assertEquals(Duration.ofMillis(250), RaftSettings.ELECTION_TIMEOUT_MIN);
        assertEquals(Duration.ofMillis(500), RaftSettings.ELECTION_TIMEOUT_MAX);
        assertEquals(Duration.ofMillis(1000), RaftSettings.REACHABLE);
    }

    @Test
    void aValueInMillisecondsIsTaken() {
        assertEquals(Duration.ofMillis(2000), RaftSettings.electionTimeoutMin("2000"));
    }

    @Test
    void badValuesAreRefusedNamingTheProperty() {
        for (String bad : new String[] {"2s", "-1", "10", "60001"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RaftSettings.electionTimeoutMin(bad));
            assertTrue(e.getMessage().contains(RaftSettings.ELECTION_TIMEOUT_PROPERTY), e.getMessage());
        }
    }
}
