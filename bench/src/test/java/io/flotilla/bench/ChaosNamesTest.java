package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The judgement of the chaos run's registrations against one manager's registry ({@link ChaosNames}). */
class ChaosNamesTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aHeldRegistrationRenewedRecentlyThatAManagerDoesNotListIsLost() {
        List<String> lost = new ArrayList<>();
        List<String> back = new ArrayList<>();
        ChaosNames.judge("m1", List.of("reg-a"), Map.of("reg-a", SECOND, "reg-b", 2 * SECOND), Set.of(), lost, back);
        assertThat(lost).singleElement().asString().contains("m1 does not list reg-b").contains("2000 ms before");
        assertThat(back).isEmpty();
    }

    @Test
    void oneNotRenewedForAlmostItsTtlMayHaveExpired() {
        List<String> lost = new ArrayList<>();
        long old = ChaosNames.TTL.toNanos() - SECOND;
        ChaosNames.judge("m1", List.of(), Map.of("reg-a", old), Set.of(), lost, new ArrayList<>());
        assertThat(lost).isEmpty();
        assertThat(ChaosNames.early(old)).isFalse();
        assertThat(ChaosNames.early(ChaosNames.TTL.toNanos() - 3 * SECOND)).isTrue();
    }

    @Test
    void aRemovedRegistrationAManagerStillListsIsBack() {
        List<String> back = new ArrayList<>();
        ChaosNames.judge("m2", List.of("reg-a", "reg-c"), Map.of(), Set.of("reg-c", "reg-d"), new ArrayList<>(), back);
        assertThat(back).containsExactly("m2 lists reg-c, removed (acknowledged)");
    }
}
