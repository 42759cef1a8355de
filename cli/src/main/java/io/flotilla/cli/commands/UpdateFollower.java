package io.flotilla.cli.commands;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.ServiceUpdateStatus.State;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.Progress.ServiceProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Follows a service's rolling update, rollback or rebalance through the progress long poll
 * ({@code GET /v1/progress?service=…}), printing a line whenever progress changes (one per batch),
 * until the update completes, pauses or rolls back. The exit code says how it ended: 0 completed,
 * 1 paused or rolled back.
 */
final class UpdateFollower {
    private final ApiClient api;
    private final PrintStream out;

    UpdateFollower(ApiClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /**
     * Follows the update of {@code serviceId} that started after {@code afterIndex}.
     *
     * @param rollbackWanted true for {@code service rollback}: ending rolled back is success then
     */
    int follow(String serviceId, long afterIndex, boolean rollbackWanted) {
        String lastLine = null;
        long index = afterIndex - 1;
        while (true) {
            Progress progress = next(serviceId, index);
            ServiceProgress service = only(progress);
            if (service == null) {
                out.println("service removed");
                return 1;
            }
            index = progress.index();
            ServiceUpdateStatus status = service.updateStatus();
            String line = progress(service);
            if (!Objects.equals(line, lastLine)) {
                out.println(line);
                lastLine = line;
            }
            if (status == null) {
                return 0;
            }
            switch (status.state()) {
                case COMPLETED -> {
                    out.println("update completed");
                    return 0;
                }
                case ROLLBACK_COMPLETED -> {
                    out.println(status.message());
                    return rollbackWanted ? 0 : 1;
                }
                case PAUSED, ROLLBACK_PAUSED -> {
                    out.println(status.message());
                    return 1;
                }
                case UPDATING, ROLLBACK_STARTED -> { }
            }
        }
    }

    /** Follows a rebalance until the request is cleared (nothing left to move). */
    int followRebalance(String serviceId, long afterIndex) {
        String lastLine = null;
        long index = afterIndex - 1;
        while (true) {
            Progress progress = next(serviceId, index);
            ServiceProgress service = only(progress);
            if (service == null) {
                return 1;
            }
            index = progress.index();
            String line = placement(service);
            if (!Objects.equals(line, lastLine)) {
                out.println(line);
                lastLine = line;
            }
            if (service.rebalanceRequestedAt() == null) {
                out.println("rebalance done");
                return 0;
            }
        }
    }

    /** The service's progress once it changed after {@code index} (or within 5 s); null once it is gone (404). */
    private Progress next(String serviceId, long index) {
        try {
            return api.serviceProgress(serviceId, index, Duration.ofSeconds(5));
        } catch (ApiException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    private static ServiceProgress only(Progress progress) {
        return progress == null || progress.services().isEmpty() ? null : progress.services().getFirst();
    }

    static String progress(ServiceProgress service) {
        long wanted = service.mode() == ServiceMode.GLOBAL ? service.wanted() : service.desired();
        State phase = service.updateStatus() == null ? State.COMPLETED : service.updateStatus().state();
        return "version " + service.version() + " " + phase.displayName() + ": " + service.updated() + "/" + wanted
                + " tasks running the " + (phase.rollback() ? "previous" : "new") + " spec";
    }

    static String placement(ServiceProgress service) {
        return "running per node: " + new TreeMap<>(service.runningPerNode());
    }
}
