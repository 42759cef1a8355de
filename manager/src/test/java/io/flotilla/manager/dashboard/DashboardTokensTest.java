package io.flotilla.manager.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.security.ClusterDataKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DashboardTokensTest {
    private final ClusterDataKey key = ClusterDataKey.generate();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-05T10:00:00Z"));
    private final InstantSource clock = () -> now.get();

    @Test
    void aLoginTokenIsRedeemedOncePerManagerAndItsSessionCountsOnEveryManager() {
        DashboardTokens first = new DashboardTokens(() -> key, clock);
        DashboardTokens otherManager = new DashboardTokens(() -> key, clock);
        String token = first.login(true, Duration.ofMinutes(5));

        DashboardGrant login = first.redeem(token).orElseThrow();
        assertThat(login.readOnly()).isTrue();
        assertThat(first.redeem(token)).as("used once on this manager").isEmpty();

        String session = first.session(login);
        DashboardGrant grant = otherManager.verifySession(session).orElseThrow();
        assertThat(grant.readOnly()).isTrue();
        assertThat(otherManager.csrfMatches(grant, first.csrf(first.verifySession(session).orElseThrow()))).isTrue();
        assertThat(otherManager.csrfMatches(grant, "nope")).isFalse();
        assertThat(otherManager.csrfMatches(grant, null)).isFalse();
    }

    @Test
    void forgedTamperedSwappedOrExpiredValuesGrantNothing() {
        DashboardTokens tokens = new DashboardTokens(() -> key, clock);
        String token = tokens.login(false, Duration.ofMinutes(5));
        String session = tokens.session(tokens.redeem(tokens.login(false, Duration.ofMinutes(5))).orElseThrow());

        DashboardTokens otherCluster = new DashboardTokens(ClusterDataKey::generate, clock);
        assertThat(otherCluster.redeem(token)).as("another key").isEmpty();
        assertThat(otherCluster.verifySession(session)).isEmpty();

        String[] parts = token.split("\\.");
        String readOnlyPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "abc|ro|99999999999".getBytes());
        assertThat(tokens.redeem(parts[0] + "." + readOnlyPayload + "." + parts[2])).as("payload changed").isEmpty();
        assertThat(tokens.verifySession(token)).as("a login token is no session").isEmpty();
        assertThat(tokens.redeem("S" + session.substring(1))).isEmpty();
        assertThat(tokens.redeem(session)).as("a session is no login token").isEmpty();
        assertThat(tokens.redeem("garbage")).isEmpty();
        assertThat(tokens.redeem("L.!!!.???")).isEmpty();
        assertThat(tokens.redeem(null)).isEmpty();

        now.set(now.get().plus(Duration.ofMinutes(5)));
        assertThat(tokens.redeem(token)).as("expired").isEmpty();
        now.set(now.get().plus(DashboardTokens.SESSION_TTL));
        assertThat(tokens.verifySession(session)).as("the session expired").isEmpty();
    }

    @Test
    void aLoginLivesAtMostAnHourAndNeedsTheDataKey() {
        DashboardTokens tokens = new DashboardTokens(() -> key, clock);
        assertThatThrownBy(() -> tokens.login(false, Duration.ofMinutes(61))).hasMessageContaining("at most 60 minutes");
        assertThatThrownBy(() -> tokens.login(false, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DashboardTokens(() -> null, clock).login(false, Duration.ofMinutes(1)))
                .hasMessageContaining("data key");
    }
}
