package io.flotilla.manager.dashboard;

import java.time.Instant;

/**
 * What a verified login token or session cookie grants: its id (a login token's is used once; a
 * session's names it in the audit), whether it may only view, and until when.
 */
public record DashboardGrant(String id, boolean readOnly, Instant expires) {}
