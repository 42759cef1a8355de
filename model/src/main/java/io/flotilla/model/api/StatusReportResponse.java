package io.flotilla.model.api;

/**
 * The leader's answer to a status report ({@code POST /v1/dispatcher/status}).
 *
 * @param leaseMillis the lease granted with this answer: the agent may keep its fenced tasks running
 *                    until the wall-clock time it <em>sent</em> the report plus this many milliseconds
 *                    (docs/stateful.md, fencing). An answer without it (0, an older manager) grants none.
 */
public record StatusReportResponse(long leaseMillis) {
}
