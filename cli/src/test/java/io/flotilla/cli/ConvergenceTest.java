package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ServiceMode;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.Progress.ServiceProgress;
import io.flotilla.model.api.Progress.TaskNote;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lines {@code stack deploy} prints, from the answers of {@code GET /v1/progress}. */
class ConvergenceTest {
    private static ServiceProgress web(int current, int desired, TaskNote failed, TaskNote waiting) {
        return new ServiceProgress("svc-web", "shop_web", "shop", ServiceMode.REPLICATED, 1, desired, current, current,
                current, current, desired, null, null, Map.of(), failed, waiting);
    }

    private static TaskNote note(TaskState state, String message, String error, String health) {
        return new TaskNote("t1", "shop_web.1", state, message, error, health);
    }

    private static String line(ServiceProgress service) {
        return Convergence.line(service).text();
    }

    @Test
    void printsRunningOverDesiredAndWhyNotMore() {
        assertThat(line(web(2, 2, null, null))).isEqualTo("shop_web: 2/2 running");
        assertThat(line(web(1, 2, null, null))).isEqualTo("shop_web: 1/2 running");
        assertThat(line(web(0, 2, note(TaskState.REJECTED, "rejected", "no such image", null),
                note(TaskState.PENDING, "pending", null, null))))
                .isEqualTo("shop_web: 0/2 running (rejected: no such image)");
        assertThat(line(web(0, 2, null, note(TaskState.PREPARING, "pulling web:1 (40%)", null, null))))
                .isEqualTo("shop_web: 0/2 running (preparing: pulling web:1 (40%))");
        // An assigned task's message says nothing more than its state.
        assertThat(line(web(0, 2, null, note(TaskState.ASSIGNED, "assigned to n1", null, null))))
                .isEqualTo("shop_web: 0/2 running (assigned)");
        assertThat(line(web(0, 2, null, note(TaskState.STARTING, "starting", null, null))))
                .isEqualTo("shop_web: 0/2 running (starting)");
        assertThat(line(web(1, 2, null, note(TaskState.RUNNING, "started", null, "starting"))))
                .isEqualTo("shop_web: 1/2 running (health: starting)");
        // Once converged, no reason.
        assertThat(line(web(2, 2, note(TaskState.FAILED, "failed", "exit status 1", null), null)))
                .isEqualTo("shop_web: 2/2 running");
    }

    @Test
    void aStackIsDoneWhenEveryServiceIs() {
        Progress progress = new Progress(5, List.of(web(2, 2, null, null),
                new ServiceProgress("svc-db", "shop_db", "shop", ServiceMode.REPLICATED, 1, 1, 0, 0, 0, 0, 1, null, null,
                        Map.of(), null, null)), 1);
        assertThat(Convergence.lines(progress)).extracting(Convergence.Line::done).containsExactly(true, false);
    }
}
