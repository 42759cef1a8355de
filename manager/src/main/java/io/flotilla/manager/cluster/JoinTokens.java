package io.flotilla.manager.cluster;

import io.flotilla.model.NodeRole;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.random.RandomGenerator;

/**
 * Join tokens: {@code FLT-1-<clusterId>-<w|m>-<secret>}, with 160 bits of secret from a
 * {@code SecureRandom}. The role letter only helps a human; the token is checked whole against
 * the cluster's, in constant time.
 */
public final class JoinTokens {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private JoinTokens() {}

    public static String newToken(String clusterId, NodeRole role, RandomGenerator random) {
        StringBuilder secret = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            secret.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return "FLT-1-" + clusterId + "-" + (role == NodeRole.MANAGER ? "m" : "w") + "-" + secret;
    }

    public static boolean matches(String presented, String expected) {
        if (presented == null || expected == null) {
            return false;
        }
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }
}
