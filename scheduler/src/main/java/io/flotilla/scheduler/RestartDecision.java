package io.flotilla.scheduler;

import java.time.Instant;

/**
 * What the restart supervisor decided for a slot whose newest task has ended.
 *
 * @param restart      true when a replacement task is to be created
 * @param restartCount the replacement's {@link io.flotilla.model.Task#restartCount()}
 * @param notBefore    the replacement must not start before this instant; null for at once
 * @param reason       why, in words (for tests and logs)
 */
record RestartDecision(boolean restart, int restartCount, Instant notBefore, String reason) {
    static RestartDecision no(String reason) {
        return new RestartDecision(false, 0, null, reason);
    }
}
