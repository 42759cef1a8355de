package io.flotilla.manager.dashboard;

import io.flotilla.security.ClusterDataKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The dashboard's login tokens and session cookies: HMAC-SHA256 over what they grant, with a key
 * derived from the cluster data key ({@code tls/data.key}), which every manager holds and no
 * worker does. Any manager therefore verifies what another signed: a follower, or the next
 * leader, accepts a session made elsewhere, and nothing is written to the Raft log for a login.
 *
 * <p>A login token is single use in the whole cluster: its id goes into the Raft log
 * ({@code Command.RedeemLogin}, through {@link FirstUse}) and only the first entry for it opens a
 * session, whichever manager served it. Each manager also remembers the ids it redeemed, which
 * refuses a second use here without a log write.
 *
 * <p>Form: {@code KIND.PAYLOAD.MAC}, KIND {@code L} (login) or {@code S} (session), PAYLOAD the
 * base64url of {@code id|r|expiry-epoch-seconds} ({@code r}: {@code ro} read-only, {@code rw}).
 */
public final class DashboardTokens {
    /** How long a session lasts after its login. */
    public static final Duration SESSION_TTL = Duration.ofHours(8);
    /** The longest a login link may live ({@code flotilla dashboard --ttl}). */
    public static final Duration MAX_LOGIN_TTL = Duration.ofHours(1);
    private static final byte[] PURPOSE = "flotilla dashboard tokens v1".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final Supplier<ClusterDataKey> dataKey;
    private final InstantSource clock;
    private final Map<String, Instant> redeemed = new ConcurrentHashMap<>();
    private final FirstUse firstUse;

    /** Whether a login token's use is its first in the cluster (the log's answer); false also when it cannot be told. */
    @FunctionalInterface
    public interface FirstUse {
        boolean first(DashboardGrant login);

        /** Only this manager's memory decides (a test of the tokens alone). */
        FirstUse LOCAL = login -> true;
    }

    public DashboardTokens(Supplier<ClusterDataKey> dataKey, InstantSource clock) {
        this(dataKey, clock, FirstUse.LOCAL);
    }

    public DashboardTokens(Supplier<ClusterDataKey> dataKey, InstantSource clock, FirstUse firstUse) {
        this.dataKey = dataKey;
        this.clock = clock;
        this.firstUse = java.util.Objects.requireNonNull(firstUse, "firstUse");
    }

    /** A login token valid for {@code ttl} (at most {@link #MAX_LOGIN_TTL}). */
    public String login(boolean readOnly, Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_LOGIN_TTL) > 0) {
            throw new IllegalArgumentException("ttl must be above 0 and at most " + MAX_LOGIN_TTL.toMinutes()
                    + " minutes: " + ttl);
        }
        return sign('L', newId(), readOnly, clock.instant().plus(ttl));
    }

    /**
     * Redeems a login token: its grant once in the cluster, while it is valid; empty when it is
     * forged, expired, a session's, or was redeemed already (here, or on another manager).
     */
    public Optional<DashboardGrant> redeem(String token) {
        Optional<DashboardGrant> grant = verify('L', token);
        Instant now = clock.instant();
        redeemed.values().removeIf(expiry -> expiry.isBefore(now));
        return grant.filter(g -> redeemed.putIfAbsent(g.id(), g.expires()) == null).filter(firstUse::first);
    }

    /** A session cookie's value for a redeemed login. */
    public String session(DashboardGrant login) {
        return sign('S', newId(), login.readOnly(), clock.instant().plus(SESSION_TTL));
    }

    /** The session a cookie's value grants, while it is valid. */
    public Optional<DashboardGrant> verifySession(String cookie) {
        return verify('S', cookie);
    }

    /** The anti-forgery value the page sends as {@code X-Flotilla-Session} with each action. */
    public String csrf(DashboardGrant session) {
        return B64.encodeToString(mac(("csrf|" + session.id()).getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code header} is the anti-forgery value of {@code session} (compared in constant time). */
    public boolean csrfMatches(DashboardGrant session, String header) {
        return header != null && MessageDigest.isEqual(csrf(session).getBytes(StandardCharsets.US_ASCII),
                header.getBytes(StandardCharsets.US_ASCII));
    }

    private String sign(char kind, String id, boolean readOnly, Instant expires) {
        String payload = B64.encodeToString((id + "|" + (readOnly ? "ro" : "rw") + "|" + expires.getEpochSecond())
                .getBytes(StandardCharsets.UTF_8));
        String signed = kind + "." + payload;
        return signed + "." + B64.encodeToString(mac(signed.getBytes(StandardCharsets.US_ASCII)));
    }

    private Optional<DashboardGrant> verify(char kind, String token) {
        if (token == null || token.length() > 512) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(String.valueOf(kind))) {
            return Optional.empty();
        }
        try {
            byte[] expected = mac((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!MessageDigest.isEqual(expected, B64D.decode(parts[2]))) {
                return Optional.empty();
            }
            String[] fields = new String(B64D.decode(parts[1]), StandardCharsets.UTF_8).split("\\|", -1);
            if (fields.length != 3) {
                return Optional.empty();
            }
            Instant expires = Instant.ofEpochSecond(Long.parseLong(fields[2]));
            if (!clock.instant().isBefore(expires)) {
                return Optional.empty();
            }
            return Optional.of(new DashboardGrant(fields[0], fields[1].equals("ro"), expires));
        } catch (IllegalArgumentException e) { // bad base64 or number
            return Optional.empty();
        }
    }

    private byte[] mac(byte[] data) {
        ClusterDataKey key = dataKey.get();
        if (key == null) {
            throw new IllegalStateException("this manager holds no cluster data key (tls/data.key): it cannot sign"
                    + " or check dashboard logins");
        }
        try {
            Mac derive = Mac.getInstance("HmacSHA256");
            derive.init(new SecretKeySpec(key.encoded().getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(derive.doFinal(PURPOSE), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
