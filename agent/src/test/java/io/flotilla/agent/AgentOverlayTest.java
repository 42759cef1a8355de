package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskNetwork;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node without {@code --overlay} runs a task as before networks existed; with it, on its networks. */
class AgentOverlayTest {
    static final TaskNetwork FRONT = new TaskNetwork("shop_front", 4096, "10.0.0.0/24", "10.0.0.1", false, "10.0.0.5");

    @Test
    void withoutTheOverlayATasksNetworksAreLeftOutAndWithItKept() {
        Task task = TestTasks.shell("t1", "true", Map.of());
        Assignment assignment = Assignment.NONE.withNetworks(List.of(FRONT), "shop");

        assertThat(Agent.honoured(false, task, assignment).networks()).isEmpty();
        assertThat(Agent.honoured(false, task, assignment).stack()).isEqualTo("shop");
        assertThat(Agent.honoured(true, task, assignment)).isSameAs(assignment);
        assertThat(Agent.honoured(false, task, Assignment.NONE)).isSameAs(Assignment.NONE);
    }

    @Test
    void theConfigSaysWhetherTheNodeRunsTheOverlay() {
        AgentConfig config = new AgentConfig("n1", "h", "127.0.0.1", java.nio.file.Path.of("/tmp/x"), null, null, null);
        assertThat(config.overlay()).isFalse();
        assertThat(config.withOverlay(true).overlay()).isTrue();
        assertThat(config.withOverlay(true).withDnsDomain("corp").overlay()).isTrue();
    }
}
