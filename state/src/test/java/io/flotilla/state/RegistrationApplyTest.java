package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Registration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Applying self-registrations: a log entry cannot take a task's id (and so replace the task's
 * endpoint in its service's set) nor another owner's registration (security issue 17).
 */
class RegistrationApplyTest {
    private final StateMachineTest fixtures = new StateMachineTest();

    private static Registration registration(String id, String service, String address, String owner) {
        return new Registration(id, service, null, address, Map.of("http", 80), List.of(), Map.of(),
                Duration.ofSeconds(30), StateMachineTest.T0, owner);
    }

    @Test
    void aRegistrationWithATasksIdIsNotApplied() {
        ClusterState before = fixtures.deployed(); // task t1 of shop_web
        ClusterState after = StateMachine.apply(before, 4, new Command.RegisterEndpoints(List.of(
                registration("t1", "shop_web", "169.254.169.254", "worker:w1"),
                registration("reg-a", "ext_pay", "10.0.0.1", "worker:w1"))));
        assertThat(after.registrations().get("t1")).as("the task's id stays the task's").isEmpty();
        assertThat(after.registrations().get("reg-a")).as("the rest of the entry applies").isPresent();
        assertThat(after.index()).isEqualTo(4);
    }

    @Test
    void aRegistrationDoesNotReplaceAnotherOwnersButItsOwnerMayReplaceIt() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.RegisterEndpoints(List.of(
                registration("reg-a", "ext_pay", "10.0.0.1", "worker:w1"))));
        s = StateMachine.apply(s, 2, new Command.RegisterEndpoints(List.of(
                registration("reg-a", "ext_pay", "169.254.169.254", "worker:w2"))));
        assertThat(s.registrations().get("reg-a").orElseThrow().address()).isEqualTo("10.0.0.1");
        s = StateMachine.apply(s, 3, new Command.RegisterEndpoints(List.of(
                registration("reg-a", "ext_pay", "10.0.0.2", "worker:w1"))));
        assertThat(s.registrations().get("reg-a").orElseThrow().address()).isEqualTo("10.0.0.2");
    }

    @Test
    void theOwnerSurvivesTheSnapshotRoundTrip() {
        Registration registration = registration("reg-a", "ext_pay", "10.0.0.1", "manager:m1");
        assertThat(io.flotilla.model.Json.read(io.flotilla.model.Json.write(registration), Registration.class))
                .isEqualTo(registration);
    }
}
