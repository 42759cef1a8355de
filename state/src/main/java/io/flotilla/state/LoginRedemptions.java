package io.flotilla.state;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dashboard login links used and not yet expired ({@code Command.RedeemLogin}): token id →
 * its first use. A link's later uses find another use recorded first and are refused by the
 * manager that submitted them, so a one-time link is one-time across every manager.
 */
public final class LoginRedemptions {
    /** More than any cluster's logins within a link's lifetime; past it, new ids are not kept (and refused). */
    static final int MAX = 10_000;
    static final LoginRedemptions EMPTY = new LoginRedemptions(new TreeMap<>());

    /** One used link: its first use, and when the link expires. */
    public record Saved(String tokenId, String use, Instant expires) {}

    private final TreeMap<String, Saved> byId;

    private LoginRedemptions(TreeMap<String, Saved> byId) {
        this.byId = byId;
    }

    static LoginRedemptions of(List<Saved> saved) {
        TreeMap<String, Saved> byId = new TreeMap<>();
        for (Saved s : saved == null ? List.<Saved>of() : saved) {
            byId.put(s.tokenId(), s);
        }
        return new LoginRedemptions(byId);
    }

    /** The id of the token's first use, or null if it was never used (or has expired since). */
    public String firstUse(String tokenId) {
        Saved saved = byId.get(tokenId);
        return saved == null ? null : saved.use();
    }

    /** Expired ids dropped (by the entry's own time), then the token's use kept unless it was used before. */
    LoginRedemptions redeem(String tokenId, String use, Instant expires, Instant at) {
        TreeMap<String, Saved> next = new TreeMap<>(byId);
        next.values().removeIf(saved -> !saved.expires().isAfter(at));
        if (!next.containsKey(tokenId) && next.size() < MAX && expires.isAfter(at)) {
            next.put(tokenId, new Saved(tokenId, use, expires));
        }
        return new LoginRedemptions(next);
    }

    List<Saved> saved() {
        return List.copyOf(byId.values());
    }

    Map<String, Saved> asMap() {
        return Collections.unmodifiableMap(byId);
    }
}
