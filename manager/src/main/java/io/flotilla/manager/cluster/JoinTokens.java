package io.flotilla.manager.cluster;

import io.flotilla.model.NodeRole;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.random.RandomGenerator;

/**
 * Join tokens. The cluster keeps {@code FLT-1-<clusterId>-<w|m>-<secret>} in its replicated
 * state (160 bits of secret from a {@code SecureRandom}); what operators see and pass is
 * {@code FLT-2-<ca digest>-<clusterId>-<w|m>-<secret>}, the same secret behind the SHA-256 digest
 * (hex) of the cluster CA certificate, as Swarm's {@code SWMTKN-1-<digest>-<secret>}: a joining
 * node checks the manager's CA against it before it sends the token (trust on first use, pinned
 * by the token). The role letter only helps a human; the secret part is checked whole, in
 * constant time. A token of the old form ({@code FLT-1-…}, no digest) is refused with a message.
 */
public final class JoinTokens {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    static final String STORED_PREFIX = "FLT-1-";
    static final String PREFIX = "FLT-2-";

    /** A token as presented: the CA digest it pins and the secret form the cluster stores. */
    public record Parsed(String caDigest, String stored) {}

    private JoinTokens() {}

    public static String newToken(String clusterId, NodeRole role, RandomGenerator random) {
        StringBuilder secret = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            secret.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return STORED_PREFIX + clusterId + "-" + (role == NodeRole.MANAGER ? "m" : "w") + "-" + secret;
    }

    /** The token operators pass: the stored one with the CA digest in front. */
    public static String publicToken(String stored, String caDigest) {
        if (!stored.startsWith(STORED_PREFIX)) {
            throw new IllegalStateException("unexpected stored token format");
        }
        return PREFIX + caDigest + "-" + stored.substring(STORED_PREFIX.length());
    }

    /** Splits a presented token; a token without a CA digest, or not a Flotilla token, is an {@link IllegalArgumentException}. */
    public static Parsed parse(String token) {
        String value = token == null ? "" : token.strip();
        if (value.startsWith(STORED_PREFIX)) {
            throw new IllegalArgumentException("this join token has the old format (FLT-1-…), which carries no CA"
                    + " digest and cannot be checked over TLS: get the current one with `flotilla join-token"
                    + " worker|manager` on a manager");
        }
        if (!value.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a Flotilla join token (expected FLT-2-<ca digest>-…): get one"
                    + " with `flotilla join-token worker|manager` on a manager");
        }
        String rest = value.substring(PREFIX.length());
        int dash = rest.indexOf('-');
        if (dash != 64 || !rest.substring(0, 64).matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("malformed join token: FLT-2- must be followed by the 64 hex digits"
                    + " of the CA certificate's SHA-256 digest");
        }
        return new Parsed(rest.substring(0, 64), STORED_PREFIX + rest.substring(65));
    }

    public static boolean matches(String presented, String expected) {
        if (presented == null || expected == null) {
            return false;
        }
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }
}
