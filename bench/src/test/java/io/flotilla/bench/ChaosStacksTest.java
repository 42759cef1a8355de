package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The check on the chaos run's deploys, removals, scalings and rolling updates: an acknowledged change must be what every manager ends on. */
class ChaosStacksTest {
    private static final String STACK = "stack-chaos-s0";
    private static final String REPLICAS = "replicas-chaos_sleep";

    private static RegisterOp change(String register, String value, long at, RegisterOp.Outcome outcome) {
        return new RegisterOp(500, RegisterOp.Kind.WRITE, register, value, at, at + 5, outcome);
    }

    private static RegisterOp finalRead(String register, String value) {
        return RegisterOp.read(1100, register, value, 1000, 1001);
    }

    private static final List<RegisterOp> HISTORY = List.of(
            change(STACK, "present", 10, RegisterOp.Outcome.OK),
            change(REPLICAS, "2", 11, RegisterOp.Outcome.OK),
            change(STACK, "absent", 20, RegisterOp.Outcome.OK),
            change(REPLICAS, "3", 30, RegisterOp.Outcome.OK),
            change(STACK, "present", 40, RegisterOp.Outcome.INFO), // a 503 or a timeout: it may have landed
            change(REPLICAS, "1", 50, RegisterOp.Outcome.FAIL));   // refused: it did not

    @Test
    void theLastAcknowledgedChangeOrAnIndeterminateOneAfterItExplainsTheFinalValue() {
        assertThat(ChaosStacks.lost(HISTORY, List.of(finalRead(STACK, "absent"), finalRead(STACK, "present"),
                finalRead(REPLICAS, "3")))).isEmpty();
    }

    @Test
    void aValueFromBeforeTheLastAcknowledgedChangeOrARefusedOneIsALostChange() {
        assertThat(ChaosStacks.lost(HISTORY, List.of(finalRead(REPLICAS, "2")))).singleElement().asString()
                .contains("answers 2 after the acknowledged change to 3");
        assertThat(ChaosStacks.lost(HISTORY, List.of(finalRead(REPLICAS, "1")))).hasSize(1);
    }

    @Test
    void anIndeterminateChangeSentBeforeTheLastAcknowledgedOneMayStillLandLast() {
        List<RegisterOp> history = new ArrayList<>(HISTORY);
        history.add(change(STACK, "absent", 60, RegisterOp.Outcome.OK));
        // the indeterminate "present" at 40 may have been applied after "absent" at 60 (a retry after the client gave up)
        assertThat(ChaosStacks.lost(history, List.of(finalRead(STACK, "present")))).isEmpty();
    }

    @Test
    void aDroppedAcknowledgementIsFound() {
        List<RegisterOp> dropped = new ArrayList<>(HISTORY);
        dropped.add(change(REPLICAS, "1", 60, RegisterOp.Outcome.OK)); // acknowledged, never sent
        assertThat(ChaosStacks.lost(dropped, List.of(finalRead(REPLICAS, "3")))).singleElement().asString()
                .contains("answers 3 after the acknowledged change to 1").contains("the last changes: [2 OK, 3 OK, 1 FAIL, 1 OK]");
    }

    @Test
    void aRollingUpdateIsARegisterToo() {
        String generation = ChaosStacks.GENERATION_REGISTER;
        List<RegisterOp> history = List.of(change(generation, "g0", 1, RegisterOp.Outcome.OK),
                change(generation, "g1", 10, RegisterOp.Outcome.OK), change(generation, "g2", 20, RegisterOp.Outcome.FAIL));
        assertThat(ChaosStacks.registers()).contains(generation);
        assertThat(ChaosStacks.rollouts(history)).as("g0 is the deploy, not a rolling update").isEqualTo(1);
        assertThat(ChaosStacks.lost(history, List.of(finalRead(generation, "g1")))).isEmpty();
        assertThat(ChaosStacks.lost(history, List.of(finalRead(generation, "g0")))).singleElement().asString()
                .contains("answers g0 after the acknowledged change to g1");
    }
}
