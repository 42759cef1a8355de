package io.flotilla.model.api;

import io.flotilla.model.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A partial update of a service ({@code POST /v1/services/{ref}/update}): every field left null (or
 * empty) keeps the current value. The flags of {@code docker service update}.
 *
 * @param envAdd   environment variables to set (overriding)
 * @param envRm    environment variable names to remove
 * @param labelAdd service labels ({@code deploy.labels}) to set
 * @param labelRm  service label names to remove
 * @param force    start a rolling update even if nothing the tasks run changes
 */
public record ServiceUpdateRequest(String image, Map<String, String> envAdd, List<String> envRm, Integer replicas,
                                   Map<String, String> labelAdd, List<String> labelRm, Integer updateParallelism,
                                   Duration updateDelay, String updateFailureAction, Duration updateMonitor,
                                   Double updateMaxFailureRatio, String updateOrder, boolean force) {
    public ServiceUpdateRequest {
        envAdd = Checks.map(envAdd);
        envRm = Checks.list(envRm);
        labelAdd = Checks.map(labelAdd);
        labelRm = Checks.list(labelRm);
    }
}
