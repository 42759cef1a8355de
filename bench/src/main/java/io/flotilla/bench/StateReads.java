package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.state.StateSnapshot;
import java.time.Duration;

/**
 * The whole cluster state over the API ({@code GET /v1/state}), which benchmarks read to wait for
 * their tasks and to compare managers' indexes (the CLI follows deploys and updates through
 * {@code GET /v1/progress} instead). Here and not in {@link ApiClient}: the snapshot is the
 * {@code state} module's type, and the API client depends on {@code model} and {@code security} only.
 */
public final class StateReads {
    private StateReads() {}

    public static StateSnapshot state(ApiClient api) {
        return api.get("/v1/state", StateSnapshot.class, Duration.ofSeconds(30));
    }

    /** Long poll: the state once its index passes {@code afterIndex}, or after {@code wait}. */
    public static StateSnapshot awaitState(ApiClient api, long afterIndex, Duration wait) {
        return api.get("/v1/state?waitIndex=" + afterIndex + "&wait=" + wait.toMillis(), StateSnapshot.class,
                wait.plusSeconds(10));
    }
}
