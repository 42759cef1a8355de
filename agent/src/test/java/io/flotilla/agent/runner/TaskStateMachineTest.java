package io.flotilla.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.TaskState;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TaskStateMachineTest {
    @Test
    void stepsOneAtATime() {
        assertThat(TaskStateMachine.allows(TaskState.ASSIGNED, TaskState.PREPARING)).isTrue();
        assertThat(TaskStateMachine.allows(TaskState.PREPARING, TaskState.STARTING)).isTrue();
        assertThat(TaskStateMachine.allows(TaskState.STARTING, TaskState.RUNNING)).isTrue();
        assertThat(TaskStateMachine.allows(TaskState.ASSIGNED, TaskState.RUNNING)).isFalse();
        assertThat(TaskStateMachine.allows(TaskState.RUNNING, TaskState.STARTING)).isFalse();
    }

    @Test
    void endsFromAnyLiveStateButRejectsOnlyBeforeStarting() {
        assertThat(TaskStateMachine.allows(TaskState.ASSIGNED, TaskState.SHUTDOWN)).isTrue();
        assertThat(TaskStateMachine.allows(TaskState.PREPARING, TaskState.FAILED)).isTrue();
        assertThat(TaskStateMachine.allows(TaskState.RUNNING, TaskState.COMPLETE)).isTrue();
        assertThat(TaskStateMachine.allows(TaskState.ASSIGNED, TaskState.COMPLETE)).isFalse();
        assertThat(TaskStateMachine.allows(TaskState.PREPARING, TaskState.REJECTED)).isTrue();
        assertThat(TaskStateMachine.allows(TaskState.RUNNING, TaskState.REJECTED)).isFalse();
        assertThat(TaskStateMachine.allows(TaskState.RUNNING, TaskState.ORPHANED)).isFalse();
    }

    @Test
    void terminalStatesAreFinal() {
        for (TaskState terminal : List.of(TaskState.COMPLETE, TaskState.FAILED, TaskState.SHUTDOWN,
                TaskState.REJECTED)) {
            for (TaskState next : TaskState.values()) {
                assertThat(TaskStateMachine.allows(terminal, next)).isFalse();
            }
        }
    }

    @Property
    void acceptedStepsOnlyMoveForward(@ForAll @Size(max = 30) List<TaskState> attempts) {
        TaskState current = TaskState.ASSIGNED;
        List<TaskState> path = new ArrayList<>(List.of(current));
        for (TaskState next : attempts) {
            if (TaskStateMachine.allows(current, next)) {
                assertThat(current.canMoveTo(next)).isTrue(); // agrees with the model's own rule
                current = next;
                path.add(current);
            }
        }
        assertThat(path).isSortedAccordingTo(Enum::compareTo);
        assertThat(path.stream().filter(TaskState::isTerminal).distinct()).hasSizeLessThanOrEqualTo(1);
    }
}
