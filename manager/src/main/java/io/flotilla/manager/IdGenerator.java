package io.flotilla.manager;

import java.util.Objects;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Ids as Swarm makes them: 25 lowercase letters and digits, drawn from an injected generator.
 *
 * <p>Each id takes its characters from one draw of random bytes, not one draw per character: the
 * manager's generator is the system's {@code SecureRandom}, whose every call takes a lock and
 * reads the kernel's pool, and a pass creating 50,000 tasks made 1,250,000 calls (2 % of the
 * leader's CPU at a million tasks). Each character stays uniform: a byte is used only below the
 * largest multiple of the alphabet's size that fits in a byte, and others are skipped.
 */
public final class IdGenerator implements Supplier<String> {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final int LETTERS = 26;
    public static final int LENGTH = 25;
    /** Bytes drawn at a time: 25 are needed, and 1 in 64 is skipped on average. */
    private static final int DRAW = 32;

    private final RandomGenerator random;
    private final byte[] bytes = new byte[DRAW];
    private int next = DRAW;

    public IdGenerator(RandomGenerator random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public synchronized String get() {
        char[] id = new char[LENGTH];
        // The first character is a letter, so that an id never looks like a number.
        id[0] = ALPHABET.charAt(uniform(LETTERS));
        for (int i = 1; i < LENGTH; i++) {
            id[i] = ALPHABET.charAt(uniform(ALPHABET.length()));
        }
        return new String(id);
    }

    /** A uniform number in [0, bound) from the next random byte that is below a multiple of {@code bound}. */
    private int uniform(int bound) {
        int limit = 256 - 256 % bound;
        while (true) {
            if (next == DRAW) {
                random.nextBytes(bytes);
                next = 0;
            }
            int value = bytes[next++] & 0xff;
            if (value < limit) {
                return value % bound;
            }
        }
    }
}
